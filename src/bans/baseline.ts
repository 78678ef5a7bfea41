import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

export const hoursPerWeek = 168;

/** Hour of the week in UTC (0 = Sunday 00:00-00:59): the weekly rhythm is the same in any time zone. */
export function hourOfWeek(at: Date): number {
  return at.getUTCDay() * 24 + at.getUTCHours();
}

export interface BaselineOptions {
  /** Weight of the newest week in the moving average (EWMA). */
  alpha: number;
  /** How many times the usual volume a window must reach to be unusual. */
  factor: number;
  /** Weeks of history for an hour before its baseline counts (before that, the fixed floor alone decides). */
  minWeeks: number;
}

export const defaultBaseline: BaselineOptions = { alpha: 0.3, factor: 3, minWeeks: 2 };

/**
 * The usual number of events per hour, for each hour of the week: an exponentially weighted moving
 * average over the weeks seen. A rate detector fires only when a window is above its fixed floor AND
 * above `factor` times the usual volume for that hour (scaled to the window), so a sale whose volume
 * matches earlier sales does not trip it, while a slow attack at night (usually quiet) still does.
 */
export class HourOfWeekBaseline {
  private readonly mean = new Float64Array(hoursPerWeek);
  private readonly weeks = new Uint16Array(hoursPerWeek);

  constructor(readonly options: BaselineOptions = defaultBaseline) {}

  /** One finished hour and how many events it had. */
  observe(hourStart: Date, count: number): void {
    const h = hourOfWeek(hourStart);
    const n = this.weeks[h]!;
    this.mean[h] = n === 0 ? count : this.options.alpha * count + (1 - this.options.alpha) * this.mean[h]!;
    this.weeks[h] = Math.min(n + 1, 65_535);
  }

  /** The usual events per hour at this time of the week, or null without enough history. */
  expected(at: Date): number | null {
    const h = hourOfWeek(at);
    return this.weeks[h]! >= this.options.minWeeks ? this.mean[h]! : null;
  }

  /** Whether `count` events in the `windowSeconds` before `at` are above `floor` and above the usual volume. */
  unusual(at: Date, count: number, windowSeconds: number, floor: number): boolean {
    if (floor <= 0 || count < floor) return false;
    const perHour = this.expected(at);
    if (perHour === null) return true;
    return count > this.options.factor * perHour * (windowSeconds / 3600);
  }
}

/**
 * A baseline from the stored security events: counts per hour over the last `weeks` weeks (hours
 * without events count as 0), oldest first. `where` narrows the events (e.g. common passwords only).
 */
export async function baselineFromEvents(db: Db, kinds: string[], opts: { weeks?: number; now?: Date; onlyCommonPasswords?: boolean; onlyPaymentPages?: boolean; options?: BaselineOptions } = {}): Promise<HourOfWeekBaseline> {
  const now = opts.now ?? new Date();
  const weeks = opts.weeks ?? 8;
  const end = new Date(Math.floor(now.getTime() / 3600_000) * 3600_000); // the current hour is not finished
  const start = new Date(end.getTime() - weeks * 7 * 24 * 3600_000);
  let q = db
    .selectFrom('security_event')
    .select([sql<Date>`date_trunc('hour', at)`.as('hour'), sql<number>`count(*)::int`.as('n')])
    .where('kind', 'in', kinds)
    .where('at', '>=', start)
    .where('at', '<', end);
  if (opts.onlyCommonPasswords) q = q.where(sql<boolean>`detail->>'commonPassword' = 'true'`);
  if (opts.onlyPaymentPages) q = q.where(sql<boolean>`detail->>'paymentPage' = 'true'`);
  const rows = await q.groupBy(sql`date_trunc('hour', at)`).execute();
  const byHour = new Map(rows.map((r) => [new Date(r.hour).getTime(), Number(r.n)]));
  // Hours before the first event ever recorded are not "zero": the store was not counting yet.
  const first = rows.length ? Math.min(...byHour.keys()) : end.getTime();
  const b = new HourOfWeekBaseline(opts.options);
  for (let t = first; t < end.getTime(); t += 3600_000) b.observe(new Date(t), byHour.get(t) ?? 0);
  return b;
}
