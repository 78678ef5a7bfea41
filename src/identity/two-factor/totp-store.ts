import type { Db } from '../../platform/db/database.ts';
import { isCiphertext, type FieldRef, type Vault } from '../../vault/index.ts';

/**
 * Where a TOTP authenticator lives, for both realms: staff (columns on `staff`, mandatory) and
 * customers (`customer_totp`, optional). Secrets are stored only as vault ciphertexts bound to
 * their table, column and row (T1: a database dump does not hand out anyone's second factor).
 */
export interface TwoFactorSubject {
  realm: 'staff' | 'customer';
  id: number;
}

export const staffSubject = (id: number): TwoFactorSubject => ({ realm: 'staff', id });
export const customerSubject = (id: number): TwoFactorSubject => ({ realm: 'customer', id });

export function secretField(s: TwoFactorSubject): FieldRef {
  return s.realm === 'staff' ? { table: 'staff', column: 'totp_secret', rowId: s.id } : { table: 'customer_totp', column: 'secret', rowId: s.id };
}

/** The stored state; `secret` is the ciphertext (null: none yet). */
export interface StoredTotp {
  secret: string | null;
  enabledAt: Date | null;
  lastStep: number | null;
}

export async function readTotp(db: Db, s: TwoFactorSubject): Promise<StoredTotp | null> {
  if (s.realm === 'staff') {
    const row = await db.selectFrom('staff').select(['totp_secret', 'totp_enabled_at', 'totp_last_step']).where('id', '=', s.id).executeTakeFirst();
    return row ? { secret: row.totp_secret, enabledAt: row.totp_enabled_at, lastStep: row.totp_last_step } : null;
  }
  const row = await db.selectFrom('customer_totp').select(['secret', 'enabled_at', 'last_step']).where('customer_id', '=', s.id).executeTakeFirst();
  return row ? { secret: row.secret, enabledAt: row.enabled_at, lastStep: row.last_step } : { secret: null, enabledAt: null, lastStep: null };
}

/** Stores a new pending secret unless one exists already (another tab); true when this one was stored. */
export async function storePendingSecret(db: Db, s: TwoFactorSubject, ciphertext: string): Promise<boolean> {
  if (s.realm === 'staff') {
    const set = await db
      .updateTable('staff')
      .set({ totp_secret: ciphertext })
      .where('id', '=', s.id)
      .where('totp_secret', 'is', null)
      .where('totp_enabled_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return set !== undefined;
  }
  const set = await db.insertInto('customer_totp').values({ customer_id: s.id, secret: ciphertext }).onConflict((oc) => oc.column('customer_id').doNothing()).returning('customer_id').executeTakeFirst();
  return set !== undefined;
}

/** Turns the pending secret `ciphertext` on and records the step of the confirming code (atomic: one winner). */
export async function enableTotp(trx: Db, s: TwoFactorSubject, ciphertext: string, step: number, at: Date): Promise<boolean> {
  if (s.realm === 'staff') {
    const row = await trx
      .updateTable('staff')
      .set({ totp_enabled_at: at, totp_last_step: step })
      .where('id', '=', s.id)
      .where('totp_enabled_at', 'is', null)
      .where('totp_secret', '=', ciphertext)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }
  const row = await trx
    .updateTable('customer_totp')
    .set({ enabled_at: at, last_step: step })
    .where('customer_id', '=', s.id)
    .where('enabled_at', 'is', null)
    .where('secret', '=', ciphertext)
    .returning('customer_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Records an accepted step, only if it is later than the last one (T4: of two concurrent uses of a code, one wins). */
export async function advanceStep(db: Db, s: TwoFactorSubject, step: number): Promise<boolean> {
  if (s.realm === 'staff') {
    const row = await db
      .updateTable('staff')
      .set({ totp_last_step: step })
      .where('id', '=', s.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }
  const row = await db
    .updateTable('customer_totp')
    .set({ last_step: step })
    .where('customer_id', '=', s.id)
    .where('enabled_at', 'is not', null)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .returning('customer_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Start-up step (idempotent): encrypts staff TOTP secrets still stored in clear by 0024, each
 * only if unchanged meanwhile. Returns how many were encrypted.
 */
export async function encryptLegacyTotpSecrets(db: Db, vault: Vault): Promise<number> {
  const rows = await db.selectFrom('staff').select(['id', 'totp_secret']).where('totp_secret', 'is not', null).where('totp_secret', 'not like', 'v1.%').execute();
  let done = 0;
  for (const row of rows) {
    const plain = row.totp_secret!;
    if (isCiphertext(plain)) continue;
    const ciphertext = await vault.encrypt(secretField(staffSubject(row.id)), plain);
    const updated = await db.updateTable('staff').set({ totp_secret: ciphertext }).where('id', '=', row.id).where('totp_secret', '=', plain).executeTakeFirst();
    done += Number(updated.numUpdatedRows);
  }
  return done;
}
