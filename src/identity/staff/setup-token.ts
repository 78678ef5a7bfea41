import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import { hashToken, newToken } from '../../platform/crypto/tokens.ts';
import { hashPassword } from '../passwords.ts';
import { insertStaffRow, staffCount, type OwnerInput } from './staff-accounts.ts';

const setupTokenLifetimeMs = 24 * 3600_000;

/**
 * While no staff account exists, issues a one-time token for creating the first owner; there is
 * never a default password. Only its hash is stored, and a new start voids older unused tokens.
 */
export async function ensureSetupToken(db: Db): Promise<string | null> {
  if ((await staffCount(db)) > 0) return null;
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('setup_token').where('used_at', 'is', null).execute();
    await trx.insertInto('setup_token').values({ token_hash: hashToken(token), expires_at: new Date(Date.now() + setupTokenLifetimeMs) }).execute();
  });
  return token;
}

/** True when the token can still create the first owner. */
export async function setupTokenUsable(db: Db, token: unknown): Promise<boolean> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
  const row = await db
    .selectFrom('setup_token')
    .select('token_hash')
    .where('token_hash', '=', hashToken(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row !== undefined && (await staffCount(db)) === 0;
}

/**
 * Creates the first owner and spends the token in one transaction; null when the token is not
 * (or no longer) usable. The token row is locked, so two concurrent submissions create one owner.
 */
export async function createFirstOwner(db: Db, token: string, input: OwnerInput): Promise<number | null> {
  if (token.length === 0 || token.length > 100) return null;
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('setup_token')
      .select('token_hash')
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .forUpdate()
      .executeTakeFirst();
    if (!row || (await staffCount(trx)) > 0) return null;
    const id = await insertStaffRow(trx, { name: input.name, email: input.email, role: 'owner' }, passwordHash);
    if (id === null) return null;
    await trx.updateTable('setup_token').set({ used_at: new Date() }).where('token_hash', '=', row.token_hash).execute();
    return id;
  });
}
