import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import type { Db } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { unshippedOrderIds } from './labels.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };
type Out = Pick<Console, 'log' | 'error'>;

const usage = 'usage: omamori fulfilment unshipped|labels|claims [--json]';

/**
 * `omamori fulfilment unshipped`: the orders waiting to ship (number, date, status, payment, total; no personal data).
 * `omamori fulfilment labels`: who exported shipping-label files, when, and how many parcels (T4: the guarded export).
 * `omamori fulfilment claims`: guest-order claim links issued in the last 30 days (account id, used, orders attached).
 */
export async function runFulfilmentCommand(db: Db, args: string[], out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  const json = rest.includes('--json');
  if (!['unshipped', 'labels', 'claims'].includes(sub ?? '') || rest.some((a) => a !== '--json')) {
    out.error(usage);
    return 2;
  }
  let rows: Array<Record<string, string | number | null>>;
  if (sub === 'unshipped') {
    const ids = await unshippedOrderIds(db);
    const found = ids.length ? await db.selectFrom('orders').select(['number', 'placed_at', 'status', 'payment_method', 'total']).where('id', 'in', ids).orderBy('placed_at').execute() : [];
    rows = found.map((o) => ({ number: o.number, placed_at: o.placed_at.toISOString(), status: o.status, payment: o.payment_method, total_yen: o.total }));
  } else if (sub === 'labels') {
    const found = await db.selectFrom('data_export').leftJoin('staff', 'staff.id', 'data_export.requested_by').select(['data_export.id', 'data_export.exported_at', 'data_export.requested_by', 'staff.name', 'data_export.exported_rows']).where('data_export.kind', '=', 'shipping_labels').orderBy('data_export.id', 'desc').limit(200).execute();
    rows = found.map((e) => ({ export_id: e.id, at: e.exported_at?.toISOString() ?? null, staff_id: e.requested_by, staff: e.name ?? null, parcels: e.exported_rows }));
  } else {
    const found = await db.selectFrom('order_claim').select(['id', 'customer_id', 'created_at', 'expires_at', 'used_at', 'claimed_count']).where('created_at', '>', new Date(Date.now() - 30 * 86_400_000)).orderBy('id', 'desc').limit(500).execute();
    rows = found.map((c) => ({ claim_id: c.id, customer_id: c.customer_id, created_at: c.created_at.toISOString(), used_at: c.used_at?.toISOString() ?? null, orders_attached: c.claimed_count }));
  }
  if (json) {
    out.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (!rows.length) {
    out.log('(none)');
    return 0;
  }
  const keys = Object.keys(rows[0]!);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k] ?? '-').length)));
  out.log(keys.map((k, i) => k.padEnd(width[i]!)).join('  '));
  for (const r of rows) out.log(keys.map((k, i) => String(r[k] ?? '-').padEnd(width[i]!)).join('  '));
  return 0;
}

export const fulfilmentCommand: Command = {
  summary: 'fulfilment unshipped|labels|claims [--json]: orders waiting to ship, label exports, guest-order claims',
  async run(args) {
    const handle = await openDatabase(loadConfig());
    try {
      await migrate(handle);
      return await runFulfilmentCommand(handle.db, args);
    } finally {
      await handle.close();
    }
  },
};
