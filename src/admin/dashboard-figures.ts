import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

/**
 * The console's figures, counted in Japan time. An order "counts" once it is a real order: not cancelled or refunded,
 * and not a card payment that never finished (the same rule as the recent-orders list). Sales are the orders' totals,
 * tax included (items, shipping and fees), by the day the order was placed.
 */
const counts = sql<boolean>`status not in ('cancelled', 'refunded') and (payment_method <> 'card' or paid_at is not null)`;
const jstDay = sql`(placed_at at time zone 'Asia/Tokyo')::date`;

export interface PeriodFigures {
  orders: number;
  sales: number;
  /** Sales / orders, rounded down to the yen; 0 without orders. */
  average: number;
}

export interface DayFigure {
  /** YYYY-MM-DD, Japan time */
  day: string;
  sales: number;
  orders: number;
}

/** Today's date in Japan as YYYY-MM-DD. */
export function jstToday(now = new Date()): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

function period(orders: number, sales: number): PeriodFigures {
  return { orders, sales, average: orders ? Math.floor(sales / orders) : 0 };
}

export async function salesFigures(db: Db, now = new Date()): Promise<{ today: PeriodFigures; month: PeriodFigures }> {
  const today = jstToday(now);
  const monthStart = `${today.slice(0, 8)}01`;
  const row = await db
    .selectFrom('orders')
    .select([
      sql<number>`count(*) filter (where ${jstDay} = ${today}::date)::int`.as('today_orders'),
      sql<number>`coalesce(sum(total) filter (where ${jstDay} = ${today}::date), 0)::int`.as('today_sales'),
      sql<number>`count(*)::int`.as('month_orders'),
      sql<number>`coalesce(sum(total), 0)::int`.as('month_sales'),
    ])
    .where(counts)
    .where(sql<boolean>`${jstDay} >= ${monthStart}::date`)
    .executeTakeFirstOrThrow();
  return { today: period(row.today_orders, row.today_sales), month: period(row.month_orders, row.month_sales) };
}

/** The last `days` days (today included), one entry per day, days without orders as 0. */
export async function dailySales(db: Db, days = 30, now = new Date()): Promise<DayFigure[]> {
  const today = jstToday(now);
  const first = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const rows = await db
    .selectFrom('orders')
    .select([sql<string>`to_char(${jstDay}, 'YYYY-MM-DD')`.as('day'), sql<number>`coalesce(sum(total), 0)::int`.as('sales'), sql<number>`count(*)::int`.as('orders')])
    .where(counts)
    .where(sql<boolean>`${jstDay} >= ${first}::date`)
    .groupBy(sql`1`)
    .execute();
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
    const r = byDay.get(day);
    return { day, sales: r?.sales ?? 0, orders: r?.orders ?? 0 };
  });
}
