import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { SecurityEvent } from '../platform/security/event-stream.ts';
import { maskIp } from './ip-mask.ts';

/** One multi-row INSERT per batch (the stream calls it off the request path). */
export async function insertSecurityEvents(db: Db, events: SecurityEvent[]): Promise<void> {
  if (!events.length) return;
  await db
    .insertInto('security_event')
    .values(
      events.map((e) => ({
        at: e.at,
        kind: e.kind,
        severity: e.severity,
        outcome: e.outcome,
        ip: e.ip,
        network: e.network,
        actor_kind: e.actorKind,
        actor_id: e.actorId,
        subject: e.subject,
        request_id: e.requestId,
        detail: JSON.stringify(e.detail),
      })),
    )
    .execute();
}

export interface EventQuery {
  since?: Date;
  until?: Date;
  kind?: string;
  network?: string;
  ip?: string;
  actor?: { kind: 'customer' | 'staff'; id: number };
  subject?: string;
  limit?: number;
  /** Without unmasked access the address shows only its network (T3). */
  unmasked: boolean;
}

export interface EventRow {
  id: number;
  at: Date;
  kind: string;
  severity: string;
  outcome: string;
  ip: string | null;
  network: string | null;
  actorKind: string | null;
  actorId: number | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

/** Events by time, kind, network, address and account, newest first. */
export async function querySecurityEvents(db: Db, q: EventQuery): Promise<EventRow[]> {
  let s = db.selectFrom('security_event').selectAll();
  if (q.since) s = s.where('at', '>=', q.since);
  if (q.until) s = s.where('at', '<', q.until);
  if (q.kind) s = q.kind.endsWith('*') ? s.where('kind', 'like', `${q.kind.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`) : s.where('kind', '=', q.kind);
  if (q.network) s = s.where('network', '=', q.network);
  if (q.ip) s = s.where('ip', '=', q.ip);
  if (q.actor) s = s.where('actor_kind', '=', q.actor.kind).where('actor_id', '=', q.actor.id);
  if (q.subject) s = s.where('subject', '=', q.subject);
  const rows = await s.orderBy('at', 'desc').orderBy('id', 'desc').limit(Math.min(q.limit ?? 200, 10_000)).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    kind: r.kind,
    severity: r.severity,
    outcome: r.outcome,
    ip: q.unmasked ? r.ip : maskIp(r.ip),
    network: r.network,
    actorKind: r.actor_kind,
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    requestId: r.request_id,
    detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
  }));
}

const batch = 5000;

/** Deletes events older than `days`, in batches (an attack can fill the table; no long lock). */
export async function deleteOldSecurityEvents(db: Db, days: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let deleted = 0;
  for (;;) {
    const old = db.selectFrom('security_event').select('id').where('at', '<', cutoff).orderBy('id').limit(batch);
    const n = Number((await db.deleteFrom('security_event').where('id', 'in', old).executeTakeFirst()).numDeletedRows);
    deleted += n;
    if (n < batch) return deleted;
  }
}

/** Counts per kind since a time (overview, tests). */
export async function countSecurityEvents(db: Db, since: Date): Promise<Record<string, number>> {
  const rows = await db.selectFrom('security_event').select(['kind', sql<number>`count(*)::int`.as('n')]).where('at', '>=', since).groupBy('kind').execute();
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}
