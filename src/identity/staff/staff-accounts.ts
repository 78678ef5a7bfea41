import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../platform/db/database.ts';
import { email, text } from '../../platform/http/fields.ts';
import type { SignedInStaff } from '../../platform/http/request.ts';
import { currentPasswordField, hashPassword, needsRehash, newPasswordField, verifyPassword, verifyWithoutAccount } from '../passwords.ts';
import { deleteSessionsOf } from '../sessions/sessions.ts';
import type { StaffRole } from '../tables.ts';

export const staffRoles: readonly StaffRole[] = ['owner', 'administrator', 'order_operator', 'customer_support', 'content_editor', 'incident'];

export const ownerSchema = z.object({ name: text(100), email, password: newPasswordField('staff') });
export type OwnerInput = z.output<typeof ownerSchema>;
export const newStaffSchema = ownerSchema.extend({ role: z.enum(staffRoles as [StaffRole, ...StaffRole[]], { error: 'choice' }) });
export type NewStaff = z.output<typeof newStaffSchema>;
export const staffSignInSchema = z.object({ email, password: currentPasswordField });

/** Inserts a staff account; null when the e-mail is already a staff account. */
export async function insertStaff(db: Db, input: NewStaff): Promise<number | null> {
  return insertStaffRow(db, input, await hashPassword(input.password));
}

/** For callers inside a transaction: hash first, so no lock is held while argon2 runs. */
export async function insertStaffRow(db: Db, input: Omit<NewStaff, 'password'>, passwordHash: string): Promise<number | null> {
  const row = await db
    .insertInto('staff')
    .values({ name: input.name, email: input.email, password_hash: passwordHash, role: input.role })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Creates an owner account from the command line (a later `omamori create-owner`), e.g. when the
 * setup link has expired. Input is validated like the form; throws a plain Error on bad input.
 */
export async function createOwner(db: Db, input: { name: string; email: string; password: string }): Promise<number> {
  const parsed = ownerSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid owner: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const id = await insertStaff(db, { ...parsed.data, role: 'owner' });
  if (id === null) throw new Error('a staff account with this e-mail already exists');
  return id;
}

/** The active staff member with these credentials, or null; same cost whether or not the account exists. */
export async function authenticateStaff(db: Db, emailAddress: string, password: string): Promise<SignedInStaff | null> {
  const row = await db.selectFrom('staff').select(['id', 'name', 'email', 'role', 'password_hash', 'active']).where('email', '=', emailAddress).executeTakeFirst();
  if (!row) return verifyWithoutAccount(password).then(() => null);
  const ok = await verifyPassword(row.password_hash, password);
  // T4: a deactivated account cannot sign in; it fails exactly like a wrong password.
  if (!ok || !row.active) return null;
  if (needsRehash(row.password_hash)) await db.updateTable('staff').set({ password_hash: await hashPassword(password) }).where('id', '=', row.id).execute();
  return { id: row.id, name: row.name, email: row.email, role: row.role };
}

export async function listStaff(db: Db) {
  return db.selectFrom('staff').select(['id', 'name', 'email', 'role', 'active', 'last_sign_in_at', 'totp_enabled_at']).orderBy('active', 'desc').orderBy('id').execute();
}

/** The e-mail addresses of every active owner: who hears of alerts and bulk exports. */
export async function activeOwnerEmails(db: Db): Promise<string[]> {
  const owners = await db.selectFrom('staff').select('email').where('role', '=', 'owner').where('active', '=', true).orderBy('id').execute();
  return owners.map((o) => o.email);
}

export type ActivationResult = 'ok' | 'not_found' | 'self' | 'last_owner';

/**
 * Deactivates or reactivates a staff account. Deactivation ends all their sessions at once (T4).
 * Nobody deactivates themselves, and the last active owner stays, so the shop is never locked out.
 */
export async function setStaffActive(db: Db, actorId: number, staffId: number, active: boolean): Promise<ActivationResult> {
  if (!active && actorId === staffId) return 'self';
  return db.transaction().execute(async (trx) => {
    // Lock the active owners so two owners deactivating each other at once cannot leave none.
    const owners = await trx.selectFrom('staff').select('id').where('role', '=', 'owner').where('active', '=', true).orderBy('id').forUpdate().execute();
    const target = await trx.selectFrom('staff').select(['id', 'role', 'active']).where('id', '=', staffId).forUpdate().executeTakeFirst();
    if (!target) return 'not_found';
    if (!active && target.role === 'owner' && target.active && owners.length <= 1) return 'last_owner';
    await trx.updateTable('staff').set({ active }).where('id', '=', staffId).execute();
    if (!active) await deleteSessionsOf(trx, { staffId });
    return 'ok';
  });
}

export type RoleChangeResult = 'ok' | 'not_found' | 'self' | 'last_owner';

/**
 * Changes a staff member's role (a privilege change: their sessions end, so the new role starts
 * with a fresh sign-in) and records it. Nobody changes their own role; the last owner stays one.
 */
export async function changeStaffRole(db: Db, actorId: number, staffId: number, role: StaffRole): Promise<RoleChangeResult> {
  if (actorId === staffId) return 'self';
  return db.transaction().execute(async (trx) => {
    const owners = await trx.selectFrom('staff').select('id').where('role', '=', 'owner').where('active', '=', true).orderBy('id').forUpdate().execute();
    const target = await trx.selectFrom('staff').select(['id', 'role', 'active']).where('id', '=', staffId).forUpdate().executeTakeFirst();
    if (!target) return 'not_found';
    if (target.role === role) return 'ok';
    if (target.role === 'owner' && target.active && role !== 'owner' && owners.length <= 1) return 'last_owner';
    await trx.updateTable('staff').set({ role }).where('id', '=', staffId).execute();
    await deleteSessionsOf(trx, { staffId });
    await trx.insertInto('staff_security_event').values({ actor_staff_id: actorId, target_staff_id: staffId, action: 'role_changed', detail: `${target.role} -> ${role}` }).execute();
    return 'ok';
  });
}

export async function staffCount(db: Db): Promise<number> {
  const { n } = await db.selectFrom('staff').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return n;
}
