import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { recordStaffAction, requestMeta } from '../audit/record.ts';
import { csvDocument, csvLine } from '../exports/csv.ts';
import { mailOwnersExported } from '../exports/notify.ts';
import { insertExport } from '../exports/requests.ts';
import type { OrderView } from '../orders/model.ts';
import { allPaymentMethods } from '../orders/payment-methods/registry.ts';
import { adminBaseUrl } from '../platform/config.ts';
import type { Db } from '../platform/db/database.ts';
import type { Services } from '../services.ts';
import { columnsOf, labelRow, type CarrierCodes, type LabelFormat } from './label-formats.ts';
import { encodeCp932 } from './sjis.ts';

/** Payment methods whose parcels go out before the money arrives (cash on delivery): unshipped while awaiting payment. */
export const shipsFirst = allPaymentMethods.filter((m) => m.shipsBeforePayment).map((m) => m.id);

/**
 * Orders waiting to be shipped: paid, or cash on delivery not yet handed over. `ids` narrows to a selection (other
 * orders in it are left out, never an error: the list may have changed since it was shown). Oldest first, as packed.
 */
export async function unshippedOrderIds(db: Db, ids?: number[]): Promise<number[]> {
  if (ids && ids.length === 0) return [];
  let q = db
    .selectFrom('orders')
    .select('id')
    .where((eb) => eb.or([eb('status', '=', 'paid'), ...(shipsFirst.length ? [eb.and([eb('status', '=', 'awaiting_payment'), eb('payment_method', 'in', shipsFirst)])] : [])]));
  if (ids) q = q.where('id', 'in', ids);
  const rows = await q.orderBy('placed_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}

export async function loadCodes(db: Db): Promise<CarrierCodes> {
  const row = await db.selectFrom('shipping_label_setting').selectAll().where('id', '=', 1).executeTakeFirst();
  return { yamatoCustomerCode: row?.yamato_customer_code ?? '', yamatoFreightNumber: row?.yamato_freight_number ?? '', sagawaCustomerCode: row?.sagawa_customer_code ?? '' };
}

export async function saveCodes(db: Db, c: CarrierCodes): Promise<void> {
  const values = { yamato_customer_code: c.yamatoCustomerCode, yamato_freight_number: c.yamatoFreightNumber, sagawa_customer_code: c.sagawaCustomerCode, updated_at: new Date() };
  await db.insertInto('shipping_label_setting').values({ id: 1, ...values }).onConflict((oc) => oc.column('id').doUpdateSet(values)).execute();
}

export interface LabelFile {
  exportId: number;
  filename: string;
  contentType: string;
  body: Buffer;
  rows: number;
  /** Characters CP932 does not have, printed as 〓 (see sjis.ts). */
  replaced: number;
}

type Staff = { id: number; name: string; role: string };

/**
 * A carrier's label file for the given orders, through the guarded export (T4): the caller's route needs a fresh
 * step-up; here a data_export row, an audit entry and the owners' mail are written in one transaction, and the file
 * is capped at EXPORT_MAX_ROWS orders.
 */
export async function exportLabels(s: Services, staff: Staff, req: FastifyRequest, p: { format: LabelFormat; orderIds: number[]; codes: CarrierCodes }): Promise<LabelFile> {
  const { db, config } = s.ctx;
  const shop = await s.shop.get();
  const orders = (await Promise.all(p.orderIds.map((id) => s.orders.byId(id)))).filter((o): o is OrderView => o !== null);
  const at = new Date();
  const rows = orders.map((o) => labelRow(p.format, o, { cod: shipsFirst.includes(o.paymentMethod), sender: { name: shop.name, phone: shop.phone, address: shop.address }, codes: p.codes, shipDate: at }));
  const exportId = await db.transaction().execute(async (trx) => {
    const id = await insertExport(trx, { kind: 'shipping_labels', filter: {}, staffId: staff.id, rowCount: rows.length, status: 'exported', overCaps: [] });
    await recordStaffAction(trx, { staff, action: 'export.shipping_labels', object: { type: 'data_export', id }, detail: { format: p.format, count: rows.length, order_ids: orders.map((o) => o.id).slice(0, 1000) }, req });
    await mailOwnersExported(trx, { id, kind: 'shipping_labels', rows: rows.length, by: staff, at, ip: requestMeta(req).ip ?? null }, adminBaseUrl(config));
    return id;
  });
  const stamp = at.toISOString().slice(0, 19).replace(/[-:]/g, '');
  // T4: the file names who exported it and when. The carriers' importers read a fixed layout from the first line
  // (a header row, then one parcel a row), so for them the marking is the file name (and the export's record);
  // the generic file carries the marking line as every other export does.
  const filename = `omamori-labels-${p.format}-${stamp}Z-staff${staff.id}-export${exportId}.csv`;
  const columns = columnsOf(p.format);
  if (p.format === 'generic') {
    const marking = `# omamori export #${exportId} | shipping_labels | ${rows.length} rows | exported by ${staff.name} (staff #${staff.id} / ${staff.role}) | ${at.toISOString()} | 個人情報を含みます。取扱注意`;
    return { exportId, filename, contentType: 'text/csv; charset=utf-8', body: Buffer.from(csvDocument([marking], columns, rows), 'utf8'), rows: rows.length, replaced: 0 };
  }
  const text = `${[csvLine(columns), ...rows.map(csvLine)].join('\r\n')}\r\n`;
  const { bytes, replaced } = encodeCp932(text);
  return { exportId, filename, contentType: 'text/csv; charset=Shift_JIS', body: bytes, rows: rows.length, replaced };
}

/** How many orders wait to be shipped (for the page and the dashboard). */
export async function countUnshipped(db: Db): Promise<number> {
  const { n } = await db
    .selectFrom('orders')
    .select(sql<number>`count(*)::int`.as('n'))
    .where((eb) => eb.or([eb('status', '=', 'paid'), ...(shipsFirst.length ? [eb.and([eb('status', '=', 'awaiting_payment'), eb('payment_method', 'in', shipsFirst)])] : [])]))
    .executeTakeFirstOrThrow();
  return n;
}
