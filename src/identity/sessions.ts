import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { hashToken, newToken } from '../platform/crypto/tokens.ts';

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

/** Creates a server-side session; returns the 256-bit token for the cookie. Only its hash is stored. */
export async function createSession(db: Db, realm: Realm, subject: { customerId?: number; staffId?: number }, client: { ip?: string; userAgent?: string } = {}): Promise<string> {
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
      user_agent: client.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return token;
}

/**
 * Looks a session up by its cookie token and slides its idle expiry (at most once a minute, to
 * spare the database). Expired sessions are deleted and treated as absent.
 */
export async function readSession(db: Db, realm: Realm, token: string | undefined): Promise<SessionRow | null> {
  if (!token || token.length > 100) return null;
  const idHash = hashToken(token);
  const row = await db
    .selectFrom('session')
    .select(['id_hash', 'customer_id', 'staff_id', 'created_at', 'expires_at', 'last_seen_at'])
    .where('id_hash', '=', idHash)
    .where('realm', '=', realm)
    .executeTakeFirst();
  if (!row) return null;
  const now = Date.now();
  const { idleMs, absoluteMs } = sessionLifetimes[realm];
  if (row.expires_at.getTime() <= now || row.created_at.getTime() + absoluteMs <= now) {
    await db.deleteFrom('session').where('id_hash', '=', idHash).execute();
    return null;
  }
  if (now - row.last_seen_at.getTime() > 60_000) {
    const expires = Math.min(now + idleMs, row.created_at.getTime() + absoluteMs);
    await db.updateTable('session').set({ last_seen_at: new Date(now), expires_at: new Date(expires) }).where('id_hash', '=', idHash).execute();
  }
  return { idHash, customerId: row.customer_id, staffId: row.staff_id, createdAt: row.created_at };
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
