import { sql } from 'kysely';
import { hashToken, newToken } from '../../platform/crypto/tokens.ts';
import type { Db } from '../../platform/db/database.ts';

/** A customer's password step is worth 5 minutes and 5 wrong codes; then the password is asked again. */
export const challengeLifetimeMs = 5 * 60_000;
export const challengeMaxFailures = 5;

export type ChallengeRealm = 'store' | 'api';

/**
 * The password was right and the account has 2FA: no session yet, only a random challenge token
 * (its SHA-256 stored) that the code step must present. Returns the token.
 */
export async function createChallenge(db: Db, customerId: number, realm: ChallengeRealm, nowMs = Date.now()): Promise<string> {
  const token = newToken();
  await db.deleteFrom('customer_sign_in_challenge').where('customer_id', '=', customerId).where('expires_at', '<=', new Date(nowMs)).execute();
  await db.insertInto('customer_sign_in_challenge').values({ token_hash: hashToken(token), customer_id: customerId, realm, expires_at: new Date(nowMs + challengeLifetimeMs) }).execute();
  return token;
}

const wellFormed = (token: unknown): token is string => typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);

/** The customer a live challenge belongs to, or null (unknown, expired, used up, or of the other realm). */
export async function readChallenge(db: Db, token: unknown, realm: ChallengeRealm): Promise<{ customerId: number } | null> {
  if (!wellFormed(token)) return null;
  const row = await db
    .selectFrom('customer_sign_in_challenge')
    .select(['customer_id', 'failures', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .where('realm', '=', realm)
    .executeTakeFirst();
  if (!row || row.expires_at.getTime() <= Date.now() || row.failures >= challengeMaxFailures) return null;
  return { customerId: row.customer_id };
}

/** A wrong code: counted on the challenge, which dies at the limit (besides the login throttle's counts). */
export async function challengeFailed(db: Db, token: string): Promise<void> {
  await db
    .updateTable('customer_sign_in_challenge')
    .set({ failures: sql<number>`failures + 1` })
    .where('token_hash', '=', hashToken(token))
    .execute();
}

/** Spends a challenge (the code was right): true for exactly one caller. */
export async function consumeChallenge(db: Db, token: string): Promise<boolean> {
  const row = await db.deleteFrom('customer_sign_in_challenge').where('token_hash', '=', hashToken(token)).where('expires_at', '>', new Date()).returning('customer_id').executeTakeFirst();
  return row !== undefined;
}

export async function purgeExpiredChallenges(db: Db): Promise<void> {
  await db.deleteFrom('customer_sign_in_challenge').where('expires_at', '<', sql<Date>`now()`).execute();
}
