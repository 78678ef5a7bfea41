import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new drill token (printed once; only its hash is stored). Valid `hours` hours. */
export async function createDrillToken(db: Db, opts: { hours?: number; createdBy?: number | null } = {}): Promise<{ token: string; expiresAt: Date }> {
  const token = `omd_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + (opts.hours ?? 24) * 3600_000);
  await sql`insert into drill_token (token_hash, created_by, expires_at) values (${hash(token)}, ${opts.createdBy ?? null}, ${expiresAt})`.execute(db);
  return { token, expiresAt };
}

/** The token's id when it is known, unexpired and not revoked. */
export async function verifyDrillToken(db: Db, token: string | undefined): Promise<number | null> {
  if (!token || !token.startsWith('omd_') || token.length > 200) return null;
  const r = await sql<{ id: number }>`select id from drill_token where token_hash = ${hash(token)} and revoked_at is null and expires_at > now()`.execute(db);
  return r.rows[0] ? Number(r.rows[0].id) : null;
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}
