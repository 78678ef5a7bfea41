import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { hashToken, newToken } from '../../platform/crypto/tokens.ts';
import type { CookiePolicy } from '../../platform/http/cookies.ts';
import type { SignedInCustomer, SignedInStaff } from '../../platform/http/request.ts';
import { decryptCustomer, type PersonalData } from '../customers/customer-data.ts';
import { replaceCardNumbers } from '../../platform/card-numbers/card-numbers.ts';

export type Realm = 'store' | 'admin';

/** Idle and absolute lifetimes. Staff sessions are short (PCI DSS 8.2.8: 15 minutes idle). */
export const sessionLifetimes: Record<Realm, { idleMs: number; absoluteMs: number }> = {
  store: { idleMs: 30 * 24 * 3600_000, absoluteMs: 90 * 24 * 3600_000 },
  admin: { idleMs: 15 * 60_000, absoluteMs: 12 * 3600_000 },
};

export const sessionCookieBase: Record<Realm, string> = { store: 'session', admin: 'admin' };

export interface SessionRow {
  idHash: string;
  customerId: number | null;
  staffId: number | null;
  createdAt: Date;
}

/**
 * Admin sessions only: when the second factor was completed (null: a partial session, which
 * reaches only the 2FA pages) and when the last step-up re-authentication happened.
 */
export interface AdminSessionState {
  secondFactorAt?: Date | null;
  stepUpAt?: Date | null;
}

/** Creates a server-side session; returns the 256-bit token for the cookie. Only its hash is stored. */
export async function createSession(db: Db, realm: Realm, subject: { customerId?: number; staffId?: number }, client: { ip?: string; userAgent?: string } = {}, state: AdminSessionState = {}): Promise<string> {
  const token = newToken();
  const now = Date.now();
  await db
    .insertInto('session')
    .values({
      id_hash: hashToken(token),
      realm,
      customer_id: subject.customerId ?? null,
      staff_id: subject.staffId ?? null,
      expires_at: new Date(now + sessionLifetimes[realm].idleMs),
      ip: client.ip ?? null,
      // T2: the HTTP hook already cut card numbers out of the User-Agent; callers outside HTTP get the same.
      user_agent: client.userAgent ? replaceCardNumbers(client.userAgent, () => '[card-number]').slice(0, 300) : null,
      second_factor_at: state.secondFactorAt ?? null,
      step_up_at: state.stepUpAt ?? null,
    })
    .execute();
  return token;
}

/**
 * Looks a session up by its cookie token and slides its idle expiry (at most once a minute, to
 * spare the database). Expired sessions are deleted and treated as absent.
 */
export async function readSession(db: Db, realm: Realm, token: string | undefined): Promise<SessionRow | null> {
  const idHash = tokenHash(token);
  if (!idHash) return null;
  const row = await db
    .selectFrom('session')
    .select(['id_hash', 'customer_id', 'staff_id', 'created_at', 'expires_at', 'last_seen_at'])
    .where('id_hash', '=', idHash)
    .where('realm', '=', realm)
    .executeTakeFirst();
  if (!row || !(await stillValid(db, realm, row))) return null;
  return { idHash, customerId: row.customer_id, staffId: row.staff_id, createdAt: row.created_at };
}

/** Storefront and API: the session and its customer in one query (null customer: a guest session). */
export async function readCustomerSession(data: PersonalData, token: string | undefined): Promise<{ idHash: string; customer: SignedInCustomer | null } | null> {
  const { db } = data;
  const idHash = tokenHash(token);
  if (!idHash) return null;
  const row = await db
    .selectFrom('session')
    .leftJoin('customer', 'customer.id', 'session.customer_id')
    .select(['session.id_hash', 'session.created_at', 'session.expires_at', 'session.last_seen_at', 'customer.id as customer_id', 'customer.name', 'customer.email'])
    .where('session.id_hash', '=', idHash)
    .where('session.realm', '=', 'store')
    .executeTakeFirst();
  if (!row || !(await stillValid(db, 'store', row))) return null;
  // req.customer carries the decrypted name and e-mail (the columns hold ciphertexts bound to the customer's row).
  const customer = row.customer_id !== null && row.name !== null && row.email !== null ? await decryptCustomer(data.vault, { id: row.customer_id, name: row.name, email: row.email }) : null;
  return { idHash, customer };
}

/** A staff session as the admin guard sees it (partial until the second factor is done). */
declare module 'fastify' {
  interface FastifyRequest {
    /** Admin: the staff session, also when partial (req.staff is set only for a complete one); set by the console guard. */
    adminSession: StaffSession | null;
  }
}

export interface StaffSession {
  idHash: string;
  staff: SignedInStaff;
  createdAt: Date;
  /** null: partial session (password only). */
  secondFactorAt: Date | null;
  stepUpAt: Date | null;
  totpEnrolled: boolean;
  passwordResetRequired: boolean;
}

/** Admin: the session and its staff member in one query; a deactivated account has no session (T4). */
export async function readStaffSession(db: Db, token: string | undefined): Promise<StaffSession | null> {
  const idHash = tokenHash(token);
  if (!idHash) return null;
  const row = await db
    .selectFrom('session')
    .innerJoin('staff', 'staff.id', 'session.staff_id')
    .select([
      'session.id_hash',
      'session.created_at',
      'session.expires_at',
      'session.last_seen_at',
      'session.second_factor_at',
      'session.step_up_at',
      'staff.id',
      'staff.name',
      'staff.email',
      'staff.role',
      'staff.totp_enabled_at',
      'staff.password_reset_required',
    ])
    .where('session.id_hash', '=', idHash)
    .where('session.realm', '=', 'admin')
    .where('staff.active', '=', true)
    // Issue 13 (T4): time-limited access (an outside investigator) ends by itself, sessions included.
    .where((eb) => eb.or([eb('staff.access_until', 'is', null), eb('staff.access_until', '>', new Date())]))
    .executeTakeFirst();
  if (!row || !(await stillValid(db, 'admin', row))) return null;
  return {
    idHash,
    staff: { id: row.id, name: row.name, email: row.email, role: row.role },
    createdAt: row.created_at,
    secondFactorAt: row.second_factor_at,
    stepUpAt: row.step_up_at,
    totpEnrolled: row.totp_enabled_at !== null,
    passwordResetRequired: row.password_reset_required,
  };
}

function tokenHash(token: string | undefined): string | null {
  return token && token.length <= 100 ? hashToken(token) : null;
}

/** Enforces idle and absolute lifetimes; deletes an expired session, slides a live one. */
async function stillValid(db: Db, realm: Realm, row: { id_hash: string; created_at: Date; expires_at: Date; last_seen_at: Date }): Promise<boolean> {
  const now = Date.now();
  const { idleMs, absoluteMs } = sessionLifetimes[realm];
  if (row.expires_at.getTime() <= now || row.created_at.getTime() + absoluteMs <= now) {
    await db.deleteFrom('session').where('id_hash', '=', row.id_hash).execute();
    return false;
  }
  if (now - row.last_seen_at.getTime() > 60_000) {
    const expires = Math.min(now + idleMs, row.created_at.getTime() + absoluteMs);
    await db.updateTable('session').set({ last_seen_at: new Date(now), expires_at: new Date(expires) }).where('id_hash', '=', row.id_hash).execute();
  }
  return true;
}

/**
 * Starts a session at sign-in. The session the browser had before (if any) is deleted, so a
 * session id planted before sign-in is worthless afterwards (session fixation).
 */
export async function rotateSession(db: Db, realm: Realm, previousHash: string | null, subject: { customerId?: number; staffId?: number }, client: { ip?: string; userAgent?: string } = {}, state: AdminSessionState = {}): Promise<string> {
  if (previousHash) await deleteSession(db, previousHash);
  return createSession(db, realm, subject, client, state);
}

/** Records a successful step-up re-authentication on an admin session. */
export async function markStepUp(db: Db, idHash: string, at = new Date()): Promise<void> {
  await db.updateTable('session').set({ step_up_at: at }).where('id_hash', '=', idHash).where('realm', '=', 'admin').execute();
}

/** Cookie name and attributes of a realm: storefront Lax (links from mail work), admin Strict, browser-session only. */
export function sessionCookie(cookies: CookiePolicy, realm: Realm): { name: string; options: CookieSerializeOptions } {
  const name = cookies.name(sessionCookieBase[realm]);
  return realm === 'store' ? { name, options: cookies.options('lax', sessionLifetimes.store.absoluteMs / 1000) } : { name, options: cookies.options('strict') };
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('session').where('id_hash', '=', idHash).execute();
}

export async function deleteSessionsOf(db: Db, subject: { customerId?: number; staffId?: number }): Promise<void> {
  let q = db.deleteFrom('session');
  if (subject.customerId !== undefined) q = q.where('customer_id', '=', subject.customerId);
  else if (subject.staffId !== undefined) q = q.where('staff_id', '=', subject.staffId);
  else throw new TypeError('deleteSessionsOf needs a subject');
  await q.execute();
}

export async function purgeExpiredSessions(db: Db): Promise<void> {
  await db.deleteFrom('session').where('expires_at', '<', sql<Date>`now()`).execute();
}
