import { sql } from 'kysely';
import { notify, type Db } from '../platform/db/database.ts';
import { AppError } from '../platform/http/errors.ts';
import type { StockLine } from './service.ts';

/**
 * Takes stock for every line or for none. Each decrement is a single conditional UPDATE, so
 * concurrent checkouts on PostgreSQL serialize on the row lock and can never oversell; a short
 * line throws, and the caller's transaction rolls back what earlier lines took.
 */
export async function reserveStock(trx: Db, lines: StockLine[], opts: { lockTimeoutMs?: number } = {}): Promise<void> {
  // Lock rows in id order so two orders for the same variants cannot deadlock.
  const sorted = mergeLines(lines).sort((a, b) => a.variantId - b.variantId);
  // Issue 18: a buyer waits for a hot item's row lock at most this long, then gets 503 busy (55P03) and nothing changes.
  if (opts.lockTimeoutMs) await sql`select set_config('lock_timeout', ${`${Math.trunc(opts.lockTimeoutMs)}ms`}, true)`.execute(trx);
  const short: number[] = [];
  for (const line of sorted) {
    const res = await trx
      .updateTable('variant')
      .set({ stock: sql`stock - ${line.quantity}` })
      .where('id', '=', line.variantId)
      .where('stock', '>=', line.quantity)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) short.push(line.variantId);
  }
  if (short.length) throw new AppError('sold_out', { fields: Object.fromEntries(short.map((id) => [`variant.${id}`, 'sold_out'])) });
  // Stock states show on cached pages: every instance drops its catalog cache when this commits.
  await notify(trx, 'catalog_changed');
}

/**
 * A plain read (no lock) that refuses an order whose stock is already gone, before the order's work is done: in a
 * flash sale most buyers arrive after the last unit went, and they should get their answer at once. The conditional
 * UPDATE in reserveStock still decides; this only spares the losers the encryption and writes that would roll back.
 */
export async function checkStock(db: Db, lines: StockLine[]): Promise<void> {
  const merged = mergeLines(lines);
  const rows = await db.selectFrom('variant').select(['id', 'stock']).where('id', 'in', merged.map((l) => l.variantId)).execute();
  const stock = new Map(rows.map((r) => [r.id, r.stock]));
  const short = merged.filter((l) => (stock.get(l.variantId) ?? 0) < l.quantity).map((l) => l.variantId);
  if (short.length) throw new AppError('sold_out', { fields: Object.fromEntries(short.map((id) => [`variant.${id}`, 'sold_out'])) });
}

export async function releaseStock(trx: Db, lines: StockLine[]): Promise<void> {
  for (const line of mergeLines(lines).sort((a, b) => a.variantId - b.variantId)) {
    await trx.updateTable('variant').set({ stock: sql`stock + ${line.quantity}` }).where('id', '=', line.variantId).execute();
  }
  await notify(trx, 'catalog_changed');
}

function mergeLines(lines: StockLine[]): StockLine[] {
  const byId = new Map<number, number>();
  for (const l of lines) {
    if (!Number.isInteger(l.quantity) || l.quantity <= 0) throw new TypeError('stock quantity must be a positive integer');
    byId.set(l.variantId, (byId.get(l.variantId) ?? 0) + l.quantity);
  }
  return [...byId].map(([variantId, quantity]) => ({ variantId, quantity }));
}
