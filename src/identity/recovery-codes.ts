import { randomInt } from 'node:crypto';
import type { Db } from '../platform/db/database.ts';
import { hashToken } from '../platform/crypto/tokens.ts';

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
 * Replaces a staff member's recovery codes with 10 new ones and returns them: the only time they
 * are visible. Only SHA-256 hashes are stored (the codes are random, so no slow hash is needed).
 */
export async function replaceRecoveryCodes(trx: Db, staffId: number): Promise<string[]> {
  const codes = Array.from({ length: recoveryCodeCount }, newCode);
  await trx.deleteFrom('staff_recovery_code').where('staff_id', '=', staffId).execute();
  await trx
    .insertInto('staff_recovery_code')
    .values(codes.map((c) => ({ staff_id: staffId, code_hash: hashToken(normalizeRecoveryCode(c)) })))
    .execute();
  return codes;
}

/** Spends a recovery code: true once per code, atomically (two concurrent uses: one wins). */
export async function consumeRecoveryCode(db: Db, staffId: number, input: string): Promise<boolean> {
  const normalized = normalizeRecoveryCode(input);
  if (normalized.length !== 10) return false;
  const row = await db
    .updateTable('staff_recovery_code')
    .set({ used_at: new Date() })
    .where('staff_id', '=', staffId)
    .where('code_hash', '=', hashToken(normalized))
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function unusedRecoveryCodes(db: Db, staffId: number): Promise<number> {
  const rows = await db.selectFrom('staff_recovery_code').select('id').where('staff_id', '=', staffId).where('used_at', 'is', null).execute();
  return rows.length;
}
