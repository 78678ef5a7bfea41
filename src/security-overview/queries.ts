import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

export interface HourCount {
  /** Start of the hour (UTC). */
  hour: Date;
  count: number;
  /** The most severe event of the hour. */
  worst: 'low' | 'medium' | 'high' | 'critical';
}

const rank = ['info', 'low', 'medium', 'high', 'critical'];

/** Security signals (every event above `info`) per hour since `since`; hours without any are left out. */
export async function signalsPerHour(db: Db, since: Date): Promise<HourCount[]> {
  const rows = await db
    .selectFrom('security_event')
    .select([
      sql<Date>`date_trunc('hour', at)`.as('hour'),
      sql<number>`count(*)::int`.as('n'),
      sql<number>`max(case severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 else 1 end)::int`.as('worst'),
    ])
    .where('at', '>=', since)
    .where('severity', '<>', 'info')
    .groupBy(sql`date_trunc('hour', at)`)
    .orderBy(sql`date_trunc('hour', at)`)
    .execute();
  return rows.map((r) => ({ hour: new Date(r.hour), count: Number(r.n), worst: rank[Number(r.worst)] as HourCount['worst'] }));
}

export interface SourceRow {
  network: string;
  count: number;
  kinds: string[];
  last: Date;
}

/** The networks that caused the most signals since `since` (the /24 or /64 the stream records). */
export async function topSources(db: Db, since: Date, limit = 10): Promise<SourceRow[]> {
  const rows = await db
    .selectFrom('security_event')
    .select(['network', sql<number>`count(*)::int`.as('n'), sql<string[]>`array_agg(distinct kind)`.as('kinds'), sql<Date>`max(at)`.as('last')])
    .where('at', '>=', since)
    .where('severity', '<>', 'info')
    .where('network', 'is not', null)
    .groupBy('network')
    .orderBy('n', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ network: r.network!, count: Number(r.n), kinds: (Array.isArray(r.kinds) ? r.kinds : []).slice(0, 5), last: new Date(r.last) }));
}
