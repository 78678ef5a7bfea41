import { randomInt } from 'node:crypto';
import type { Db } from '../../platform/db/database.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import type { TwoFactorSubject } from './totp-store.ts';

export const recoveryCodeCount = 10;
// No 0/o, 1/l/i: codes are typed from paper. 31 symbols × 10 = ~49.5 bits each.
const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

function newCode(): string {
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[randomInt(alphabet.length)];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/** Lower case, no separators or spaces, full-width folded: how a code is hashed and compared. */
export function normalizeRecoveryCode(input: string): string {
  return input.normalize('NFKC').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Replaces the recovery codes of a staff member or customer with 10 new ones and returns them: the
 * only time they are visible. Only SHA-256 hashes are stored (the codes are random, so no slow hash is needed).
 */
export async function replaceRecoveryCodes(trx: Db, s: TwoFactorSubject): Promise<string[]> {
  const codes = Array.from({ length: recoveryCodeCount }, newCode);
  const hashes = codes.map((c) => hashToken(normalizeRecoveryCode(c)));
  if (s.realm === 'staff') {
    await trx.deleteFrom('staff_recovery_code').where('staff_id', '=', s.id).execute();
    await trx.insertInto('staff_recovery_code').values(hashes.map((code_hash) => ({ staff_id: s.id, code_hash }))).execute();
  } else {
    await trx.deleteFrom('customer_recovery_code').where('customer_id', '=', s.id).execute();
    await trx.insertInto('customer_recovery_code').values(hashes.map((code_hash) => ({ customer_id: s.id, code_hash }))).execute();
  }
  return codes;
}

/** Spends a recovery code: true once per code, atomically (two concurrent uses: one wins). */
export async function consumeRecoveryCode(db: Db, s: TwoFactorSubject, input: string): Promise<boolean> {
  const normalized = normalizeRecoveryCode(input);
  if (normalized.length !== 10) return false;
  const hash = hashToken(normalized);
  const now = new Date();
  const row =
    s.realm === 'staff'
      ? await db.updateTable('staff_recovery_code').set({ used_at: now }).where('staff_id', '=', s.id).where('code_hash', '=', hash).where('used_at', 'is', null).returning('id').executeTakeFirst()
      : await db.updateTable('customer_recovery_code').set({ used_at: now }).where('customer_id', '=', s.id).where('code_hash', '=', hash).where('used_at', 'is', null).returning('id').executeTakeFirst();
  return row !== undefined;
}

export async function unusedRecoveryCodes(db: Db, s: TwoFactorSubject): Promise<number> {
  const rows =
    s.realm === 'staff'
      ? await db.selectFrom('staff_recovery_code').select('id').where('staff_id', '=', s.id).where('used_at', 'is', null).execute()
      : await db.selectFrom('customer_recovery_code').select('id').where('customer_id', '=', s.id).where('used_at', 'is', null).execute();
  return rows.length;
}
