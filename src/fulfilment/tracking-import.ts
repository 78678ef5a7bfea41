import type { FastifyRequest } from 'fastify';
import { recordStaffAction } from '../audit/record.ts';
import { orderStatusLabel } from '../orders/format.ts';
import type { OrderStatus } from '../orders/tables.ts';
import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { containsCardNumber } from '../platform/card-numbers/card-numbers.ts';
import type { Services } from '../services.ts';
import { carrierLabel, isCarrier, normalizeTracking, type CarrierId } from '../shipping/carriers.ts';
import { readCsv } from './csv-read.ts';
import { shipsFirst } from './labels.ts';
import { m } from './messages.ts';
import { decodeCsvUpload } from './sjis.ts';
import type { TrackingPlanRow } from './tables.ts';

export const maxImportRows = 2000;
/** A dry run may be applied within this time; after it, upload the file again (orders move on). */
export const planLifetimeMs = 3600_000;

export interface RowProblem {
  line: number;
  number: string;
  message: string;
}

export interface TrackingPlan {
  changes: Array<TrackingPlanRow & { fromLabel: string }>;
  unchanged: RowProblem[];
  errors: RowProblem[];
  /** A problem with the whole file (no header we know, not CSV): nothing else is listed. */
  fileError?: string;
  encoding?: string;
}

const headerNames = {
  number: ['注文番号', 'お客様管理番号', 'order_number', 'ordernumber'],
  tracking: ['伝票番号', 'お問い合せ送り状No.', 'お問い合わせ送り状No.', 'お問い合わせ伝票番号', '送り状番号', 'tracking_number', 'tracking'],
  carrier: ['配送業者', 'carrier'],
};

const carrierWords: Record<string, CarrierId> = {
  ヤマト運輸: 'yamato', ヤマト: 'yamato', クロネコヤマト: 'yamato', yamato: 'yamato',
  佐川急便: 'sagawa', 佐川: 'sagawa', sagawa: 'sagawa',
  日本郵便: 'japanpost', ゆうパック: 'japanpost', japanpost: 'japanpost', その他: 'other', other: 'other',
};

const norm = (v: string) => v.normalize('NFKC').replace(/^'/, '').trim();

/**
 * Reads a tracking-number CSV and decides, row by row, what applying it would change: which orders become 発送済み
 * with which carrier and number. Accepts our own file (注文番号, 配送業者, 伝票番号), ヤマト B2クラウド's issued-labels
 * file (お客様管理番号 and 伝票番号) and 佐川 e飛伝's (お客様管理番号 and お問い合せ送り状No.), in UTF-8 or Shift_JIS.
 * Changes nothing.
 */
export async function planTrackingImport(db: Db, bytes: Buffer, defaultCarrier: CarrierId | null, l: Locale): Promise<TrackingPlan> {
  const plan: TrackingPlan = { changes: [], unchanged: [], errors: [] };
  const { text, encoding } = decodeCsvUpload(bytes);
  plan.encoding = encoding;
  const csv = readCsv(text, maxImportRows + 1);
  if (csv.unterminated) return { ...plan, fileError: m(l, 'fileUnterminated') };
  if (csv.tooMany) return { ...plan, fileError: m(l, 'fileTooMany', { max: maxImportRows }) };
  const [header, ...rows] = csv.rows;
  if (!header) return { ...plan, fileError: m(l, 'fileEmpty') };
  const names = header.cells.map(norm);
  const find = (list: string[]) => names.findIndex((n) => list.some((x) => x.normalize('NFKC').toLowerCase() === n.toLowerCase()));
  const col = { number: find(headerNames.number), tracking: find(headerNames.tracking), carrier: find(headerNames.carrier) };
  if (col.number < 0 || col.tracking < 0) return { ...plan, fileError: m(l, 'fileHeader') };
  // The carriers' own files say which carrier they are by their layout.
  const layoutCarrier: CarrierId | null = names.includes('お問い合せ送り状No.') ? 'sagawa' : names.includes('送り状種類') ? 'yamato' : null;
  if (rows.length === 0) return { ...plan, fileError: m(l, 'fileNoRows') };

  const numbers = rows.map((r) => norm(r.cells[col.number] ?? ''));
  const found = await db
    .selectFrom('orders')
    .select(['id', 'number', 'status', 'payment_method', 'tracking_number'])
    .where('number', 'in', [...new Set(numbers.filter((n) => /^\d{8}-\d{1,12}$/.test(n)))].concat(['-']))
    .execute();
  const byNumber = new Map(found.map((o) => [o.number, o]));
  const seen = new Map<string, number>();
  for (const [i, r] of rows.entries()) {
    const number = numbers[i]!;
    const rawTracking = norm(r.cells[col.tracking] ?? '');
    const rawCarrier = col.carrier >= 0 ? norm(r.cells[col.carrier] ?? '') : '';
    const fail = (key: Parameters<typeof m>[1], params: Record<string, string | number> = {}) => plan.errors.push({ line: r.line, number, message: m(l, key, params) });
    // T2: a card number pasted into the file is never stored or echoed back.
    if (r.cells.some((c) => containsCardNumber(c))) { fail('rowCardNumber'); continue; }
    if (!number) { fail('rowNoNumber'); continue; }
    const order = byNumber.get(number);
    if (!order) { fail('rowNoOrder', { number }); continue; }
    const dup = seen.get(number);
    if (dup !== undefined) { fail('rowDuplicate', { line: dup }); continue; }
    seen.set(number, r.line);
    const carrier: CarrierId | null = rawCarrier ? (carrierWords[rawCarrier] ?? carrierWords[rawCarrier.toLowerCase()] ?? null) : (layoutCarrier ?? defaultCarrier);
    if (rawCarrier && !carrier) { fail('rowCarrierUnknown', { value: rawCarrier }); continue; }
    if (!carrier) { fail('rowCarrierMissing'); continue; }
    if (!rawTracking) { fail('rowNoTracking'); continue; }
    const tracking = normalizeTracking(carrier, rawTracking);
    if (!tracking) { fail(carrier === 'other' ? 'rowTrackingOther' : carrier === 'japanpost' ? 'rowTrackingJapanPost' : 'rowTracking12', { value: rawTracking, carrier: carrierLabel(carrier, l) }); continue; }
    const status = order.status as OrderStatus;
    const label = orderStatusLabel(status, order.payment_method, l);
    if (status === 'shipped' || status === 'delivered') {
      if (order.tracking_number === tracking) plan.unchanged.push({ line: r.line, number, message: m(l, 'rowAlready', { tracking }) });
      else fail('rowShippedOther', { status: label, tracking: order.tracking_number || '—' });
      continue;
    }
    const shippable = status === 'paid' || (status === 'awaiting_payment' && shipsFirst.includes(order.payment_method));
    if (!shippable) { fail('rowNotShippable', { status: label }); continue; }
    plan.changes.push({ line: r.line, orderId: order.id, number, carrier, tracking, from: status, fromLabel: label });
  }
  return plan;
}

/** Keeps a dry run's changes to apply later (only when it found no error). */
export async function savePlan(db: Db, staffId: number, fileName: string, plan: TrackingPlan): Promise<number> {
  const rows: TrackingPlanRow[] = plan.changes.map(({ fromLabel: _, ...r }) => r);
  const { id } = await db.insertInto('tracking_import').values({ staff_id: staffId, file_name: fileName.slice(0, 200), rows: JSON.stringify(rows) }).returning('id').executeTakeFirstOrThrow();
  return id;
}

export interface ApplyResult {
  shipped: Array<{ number: string; tracking: string }>;
  failed: RowProblem[];
}

/**
 * Applies a dry run: each order becomes 発送済み with its carrier and number and the customer is mailed the tracking
 * link (orders.transition, one order at a time). An order that moved since the dry run is left as it is and listed.
 * The plan is claimed first, so it is applied once even when the button is pressed twice.
 */
export async function applyPlan(s: Services, staff: { id: number; name: string; role: string }, planId: number, req: FastifyRequest): Promise<ApplyResult> {
  const { db } = s.ctx;
  const l = req.locale;
  const claimed = await db
    .updateTable('tracking_import')
    .set({ applied_at: new Date() })
    .where('id', '=', planId)
    .where('staff_id', '=', staff.id)
    .where('applied_at', 'is', null)
    .where('created_at', '>', new Date(Date.now() - planLifetimeMs))
    .returning(['rows'])
    .executeTakeFirst();
  if (!claimed) throw new AppError('conflict', { message: m(l, 'planGone') });
  const rows = (typeof claimed.rows === 'string' ? JSON.parse(claimed.rows) : claimed.rows) as TrackingPlanRow[];
  const result: ApplyResult = { shipped: [], failed: [] };
  for (const r of rows) {
    if (!isCarrier(r.carrier)) continue;
    try {
      await s.orders.transition(r.orderId, 'shipped', staff.id, m('ja', 'eventNote'), { expectedFrom: r.from as OrderStatus, trackingNumber: r.tracking, carrier: r.carrier, locale: l });
      result.shipped.push({ number: r.number, tracking: r.tracking });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      result.failed.push({ line: r.line, number: r.number, message: err.localized(l) });
    }
  }
  await db.updateTable('tracking_import').set({ applied_count: result.shipped.length }).where('id', '=', planId).execute();
  await recordStaffAction(db, { staff, action: 'tracking.import', object: { type: 'tracking_import', id: planId }, detail: { shipped: result.shipped.length, failed: result.failed.length }, req });
  return result;
}
