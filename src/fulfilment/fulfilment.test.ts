import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import iconv from 'iconv-lite';
import type { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { mailsTo } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { draftFor, makeVariant, type TestVariant } from '../orders/test-fixtures.ts';
import type { OrderDraft } from '../orders/service.ts';
import { exportsInLastDay } from '../exports/requests.ts';
import { runFulfilmentCommand } from './cli.ts';
import { readCsv } from './csv-read.ts';
import { genericColumns, itemsSummary, sagawaColumns, splitSender, yamatoColumns } from './label-formats.ts';
import { decodeCsvUpload, encodeCp932 } from './sjis.ts';

// Issue 16: shipping-label CSVs through the guarded export, packing slips as one PDF, tracking numbers by CSV.
let store: TestStore;
let packer: { client: TestClient; staffId: number; email: string };
let owner: { client: TestClient; staffId: number; email: string };
let beans: TestVariant;
let dripper: TestVariant;

before(async () => {
  store = await startTestStore({ config: { exportMaxRows: 5 } });
  packer = await staffClient(store, 'order_operator');
  owner = await staffClient(store, 'owner');
  beans = await makeVariant(store, { reduced: true, stock: 100 });
  dripper = await makeVariant(store, { stock: 100 });
});
after(() => store.close());

async function place(opts: Partial<OrderDraft> = {}) {
  return store.services.orders.place(draftFor([{ v: beans, quantity: 2 }, { v: dripper, quantity: 1 }], opts));
}
async function paidOrder(opts: Partial<OrderDraft> = {}) {
  const o = await place(opts);
  await store.services.orders.transition(o.id, 'paid', null, '');
  return o;
}
const cells = (line: string) => readCsv(line, 1).rows[0]!.cells;
const sjisLines = (bytes: Buffer) => iconv.decode(bytes, 'cp932').split('\r\n');
const upload = (client: TestClient, csv: Buffer | string, carrier = '') => {
  const form = new FormData();
  form.append('carrier', carrier);
  form.append('file', new Blob([new Uint8Array(typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv)], { type: 'text/csv' }), 'tracking.csv');
  return client.request('POST', '/admin/fulfilment/tracking', { body: form });
};

test('CP932: look-alike characters folded, missing ones become 〓; uploads read as UTF-8 or Shift_JIS', () => {
  const { bytes, replaced } = encodeCp932('髙橋〜①𠮷');
  assert.equal(iconv.decode(bytes, 'cp932'), '髙橋～①〓');
  assert.equal(replaced, 1);
  assert.deepEqual(decodeCsvUpload(iconv.encode('注文番号,伝票番号', 'cp932')), { text: '注文番号,伝票番号', encoding: 'cp932' });
  assert.deepEqual(decodeCsvUpload(Buffer.from('\uFEFF注文番号', 'utf8')), { text: '注文番号', encoding: 'utf-8' });
  assert.deepEqual(readCsv('a,"b,""c"""\r\n\r\n1,2\n', 10).rows.map((r) => [r.line, r.cells]), [[1, ['a', 'b,"c"']], [3, ['1', '2']]]);
  assert.equal(readCsv('a,"b', 10).unterminated, true);
  assert.deepEqual(splitSender('〒150-0001 東京都渋谷区神宮前1-2-3'), { postal: '150-0001', address: '東京都渋谷区神宮前1-2-3' });
  assert.equal(itemsSummary({ lines: [{ productName: 'エチオピア イルガチェフェ 200g' }, { productName: 'x' }] as never }), 'エチオピア イルガチェフェ 200g 他1点');
  // The carriers' documented column counts and key positions (B2クラウド No. 1/2/11/16/28/34/40/42; e飛伝 74 columns).
  assert.equal(yamatoColumns.length, 42);
  assert.deepEqual([0, 1, 10, 15, 27, 33, 39, 41].map((i) => yamatoColumns[i]), ['お客様管理番号', '送り状種類', 'お届け先郵便番号', 'お届け先名', '品名１', 'ｺﾚｸﾄ代金引換額（税込)', '請求先顧客コード', '運賃管理番号']);
  assert.equal(sagawaColumns.length, 74);
  assert.deepEqual([0, 2, 9, 24, 41, 47, 61, 73].map((i) => sagawaColumns[i]), ['お届け先コード取得区分', 'お届け先電話番号', 'お客様管理番号', '品名１', '出荷個数', '代引金額', 'お問い合せ送り状No.', '編集１０']);
});

test('label CSVs: step-up first; B2クラウド and e飛伝 in Shift_JIS with the unshipped orders only; recorded, owners mailed', async () => {
  const paid = await paidOrder({ shipping: { name: '髙橋 一郎', name_kana: 'タカハシ イチロウ', postal_code: '060-0001', prefecture: '北海道', city: '札幌市中央区北一条西', line1: '2-1', line2: '〜ハイツ 101', phone: '011-123-4567' } });
  const cod = await place({ paymentMethod: 'cod' });
  const unpaid = await place();

  const stale = await staffClient(store, 'order_operator', { stepUp: false });
  const refused = await stale.client.postForm('/admin/fulfilment/labels', { format: 'yamato_b2' });
  assert.equal(refused.status, 303);
  assert.match(refused.location ?? '', /^\/admin\/step-up/);
  const support = await staffClient(store, 'customer_support');
  assert.equal((await support.client.postForm('/admin/fulfilment/labels', { format: 'yamato_b2' })).status, 403);
  assert.equal((await support.client.get('/admin/fulfilment')).status, 403);

  const page = await packer.client.get('/admin/fulfilment');
  assert.equal(page.status, 200);
  assert.match(page.text, /data-unshipped="2"/);

  const bad = await packer.client.postForm('/admin/fulfilment/labels', { format: 'yamato_b2', yamatoCustomerCode: '12-34' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="yamatoCustomerCode"[^>]*aria-invalid="true"/);
  assert.match(bad.text, /10〜12桁の数字で入れてください/);

  const yamato = await packer.client.postFormBytes('/admin/fulfilment/labels', { format: 'yamato_b2', yamatoCustomerCode: '0312345678', yamatoFreightNumber: '01', ids: [String(paid.id), String(cod.id), String(unpaid.id)] });
  assert.equal(yamato.status, 200);
  assert.equal(yamato.headers.get('content-type'), 'text/csv; charset=Shift_JIS');
  assert.equal(yamato.headers.get('cache-control'), 'no-store');
  assert.match(yamato.headers.get('content-disposition') ?? '', new RegExp(`^attachment; filename="omamori-labels-yamato_b2-\\d{8}T\\d{6}Z-staff${packer.staffId}-export\\d+\\.csv"$`));
  assert.notEqual(yamato.bytes[0], 0xef, 'no UTF-8 BOM');
  const lines = sjisLines(yamato.bytes);
  assert.deepEqual(cells(lines[0]!), [...yamatoColumns]);
  assert.equal(lines.length, 4, 'header, two orders, final CRLF: the unpaid bank transfer is not shipped yet');
  const first = cells(lines[1]!);
  assert.equal(first.length, 42);
  assert.equal(first[0], paid.number);
  assert.equal(first[1], '0', '発払い');
  assert.equal(first[10], '060-0001');
  assert.equal(first[11], '北海道札幌市中央区北一条西2-1');
  assert.equal(first[12], '～ハイツ 101', 'wave dash folded to the CP932 one');
  assert.equal(first[15], '髙橋 一郎');
  assert.equal(first[21], '150-0001');
  assert.equal(first[39], '0312345678');
  assert.equal(first[41], '01');
  const second = cells(lines[2]!);
  assert.equal(second[0], cod.number);
  assert.equal(second[1], '2', 'コレクト (代金引換)');
  const codOrder = (await store.services.orders.byId(cod.id))!;
  assert.equal(second[33], String(codOrder.total));
  assert.equal(second[34], String(codOrder.tax10 + codOrder.tax8));

  const sagawa = await packer.client.postFormBytes('/admin/fulfilment/labels', { format: 'sagawa_ehiden', sagawaCustomerCode: '123456789012' });
  assert.equal(sagawa.status, 200);
  const sl = sjisLines(sagawa.bytes);
  assert.deepEqual(cells(sl[0]!), [...sagawaColumns]);
  const row = cells(sl[1]!);
  assert.equal(row.length, 74);
  assert.equal(row[9], paid.number);
  assert.equal(row[10], '123456789012');
  assert.equal(row[4], '北海道札幌市中央区北一条西2-1');

  const generic = await packer.client.postForm('/admin/fulfilment/labels', { format: 'generic' });
  assert.equal(generic.status, 200);
  const gl = generic.text.replace(/^\uFEFF/, '').split('\r\n');
  assert.match(gl[0]!, new RegExp(`^# omamori export #\\d+ \\| shipping_labels \\| 2 rows \\| exported by スタッフ\\d+ \\(staff #${packer.staffId} / order_operator\\)`));
  assert.deepEqual(cells(gl[1]!), [...genericColumns]);

  const printed: string[] = [];
  assert.equal(await runFulfilmentCommand(store.ctx.db, ['labels', '--json'], { log: (x: string) => printed.push(x), error: () => {} }), 0);
  const listed = JSON.parse(printed.join('\n')) as Array<{ staff_id: number; parcels: number }>;
  assert.equal(listed.length, 3);
  assert.ok(listed.every((e) => e.staff_id === packer.staffId && e.parcels === 2));
  const table: string[] = [];
  assert.equal(await runFulfilmentCommand(store.ctx.db, ['unshipped'], { log: (x: string) => table.push(x), error: () => {} }), 0);
  assert.match(table[0]!, /^number\s+placed_at\s+status\s+payment\s+total_yen/);
  assert.equal(table.length, 3, 'header and the two orders waiting');
  assert.equal(await runFulfilmentCommand(store.ctx.db, ['nope'], { log: () => {}, error: () => {} }), 2);
  const exports = await store.ctx.db.selectFrom('data_export').selectAll().where('kind', '=', 'shipping_labels').orderBy('id').execute();
  assert.equal(exports.length, 3);
  assert.ok(exports.every((e) => e.requested_by === packer.staffId && e.status === 'exported' && e.exported_rows === 2));
  const audit = await store.ctx.db.selectFrom('audit_entry').select(['detail', 'actor_id']).where('action', '=', 'export.shipping_labels').orderBy('seq').execute();
  assert.equal(audit.length, 3);
  assert.deepEqual(JSON.parse(audit[0]!.detail).order_ids, [paid.id, cod.id]);
  const mails = await mailsTo(store, owner.email, 'export.notice');
  assert.equal(mails.length, 3);
  assert.ok(!mails[0]!.text_body.includes('髙橋'), 'who and how many, never whose address');
  assert.equal(await exportsInLastDay(store.ctx.db, packer.staffId), 0, 'packing work does not use up the daily bulk-export cap');
  const saved = await store.ctx.db.selectFrom('shipping_label_setting').selectAll().executeTakeFirstOrThrow();
  assert.deepEqual([saved.yamato_customer_code, saved.yamato_freight_number, saved.sagawa_customer_code], ['0312345678', '01', '123456789012'], 'the codes last used are remembered for the form');
  // Marked shipped: no longer in the next file.
  await store.services.orders.transition(paid.id, 'shipped', null, '');
  await store.services.orders.transition(cod.id, 'shipped', null, '');
  const none = await packer.client.postForm('/admin/fulfilment/labels', { format: 'generic' });
  assert.equal(none.status, 422);
  assert.match(none.text, /発送待ちの注文がありません/);
});

test('packing slips: one PDF for the selected orders, recorded as a reveal', async () => {
  const a = await paidOrder({ note: '午前中の配達希望' });
  const b = await paidOrder();
  const res = await packer.client.postFormBytes('/admin/fulfilment/packing-slips', { ids: [String(a.id), String(b.id)] });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal(res.bytes.subarray(0, 5).toString(), '%PDF-');
  const { PDFDocument } = await import('pdf-lib');
  assert.equal((await PDFDocument.load(res.bytes)).getPageCount(), 2, 'one page per order');
  const [entry] = await store.ctx.db.selectFrom('audit_entry').select('detail').where('action', '=', 'personal_data.view_unmasked').where('actor_id', '=', packer.staffId).orderBy('seq', 'desc').limit(1).execute();
  const detail = JSON.parse(entry!.detail);
  assert.equal(detail.purpose, 'packing_slips');
  assert.deepEqual(detail.order_ids, [a.id, b.id]);
});

test('tracking CSV: the dry run lists every bad row in Japanese and changes nothing; a clean file applies once and mails the tracking link', async () => {
  const a = await paidOrder({ email: 'track-a@example.jp' });
  const b = await paidOrder({ email: 'track-b@example.jp' });
  const unpaid = await place();
  const c = await paidOrder();
  const bad = [
    '注文番号,配送業者,伝票番号',
    `${a.number},ヤマト運輸,1234-5678-9012`,
    `${b.number},佐川急便,12345`,
    '20990101-9,ヤマト運輸,123456789012',
    `${unpaid.number},ヤマト運輸,123456789013`,
    `${a.number},ヤマト運輸,123456789014`,
    `${c.number},黒猫,123456789015`,
  ].join('\r\n');
  const res = await upload(packer.client, iconv.encode(bad, 'cp932'));
  assert.equal(res.status, 422);
  assert.match(res.text, /文字コード: Shift_JIS/);
  assert.match(res.text, /伝票番号「12345」は佐川急便の伝票番号の形（12桁の数字）ではありません/);
  assert.match(res.text, /注文番号「20990101-9」の注文が見つかりません/);
  assert.match(res.text, /「入金待ち（銀行振込）」の注文は発送済みにできません/);
  assert.match(res.text, /同じ注文番号が 2 行目にもあります/);
  assert.match(res.text, /配送業者「黒猫」が分かりません/);
  assert.match(res.text, /エラーのある行があるため反映できません/);
  assert.doesNotMatch(res.text, /\/apply"/, 'no apply button while any row is wrong');
  assert.equal((await store.ctx.db.selectFrom('tracking_import').select('id').execute()).length, 0);
  assert.equal((await store.services.orders.byId(a.id))!.status, 'paid');

  const noHeader = await upload(packer.client, 'a,b\r\n1,2');
  assert.equal(noHeader.status, 422);
  assert.match(noHeader.text, /1行目に「注文番号」/);
  const empty = await upload(packer.client, '');
  assert.equal(empty.status, 422);
  assert.match(empty.text, /id="tracking-file"[^>]*aria-invalid="true"/);

  // B2クラウド's issued-labels file: お客様管理番号 and 伝票番号, the carrier told by the layout.
  const b2 = [yamatoColumns.join(','), [a.number, '0', '0', '1234-5678-9012'].join(','), [b.number, '0', '0', '210987654321'].join(',')].join('\r\n');
  const preview = await upload(packer.client, iconv.encode(b2, 'cp932'));
  assert.equal(preview.status, 200);
  assert.match(preview.text, /発送済みにする注文（2 件）/);
  assert.match(preview.text, /ヤマト運輸<\/td><td>123456789012/);
  assert.equal((await store.services.orders.byId(a.id))!.status, 'paid', 'the dry run changed nothing');
  const planId = Number(/\/admin\/fulfilment\/tracking\/(\d+)\/apply/.exec(preview.text)?.[1]);
  assert.ok(planId > 0);

  const other = await staffClient(store, 'order_operator');
  assert.equal((await other.client.postForm(`/admin/fulfilment/tracking/${planId}/apply`, {})).status, 409, "someone else's dry run");
  const applied = await packer.client.postForm(`/admin/fulfilment/tracking/${planId}/apply`, {});
  assert.equal(applied.status, 200);
  assert.match(applied.text, /2 件を発送済みにし/);
  const after = (await store.services.orders.byId(a.id))!;
  assert.equal(after.status, 'shipped');
  assert.equal(after.trackingNumber, '123456789012');
  assert.equal(after.carrier, 'yamato');
  const [mail] = await mailsTo(store, 'track-a@example.jp', 'order.shipped');
  assert.ok(mail!.text_body.includes('ヤマト運輸 123456789012'));
  assert.ok(mail!.text_body.includes('https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=123456789012'));
  assert.equal((await packer.client.postForm(`/admin/fulfilment/tracking/${planId}/apply`, {})).status, 409, 'applied once');
  assert.equal((await mailsTo(store, 'track-a@example.jp', 'order.shipped')).length, 1);
  const [entry] = await store.ctx.db.selectFrom('audit_entry').select('detail').where('action', '=', 'tracking.import').execute();
  assert.deepEqual(JSON.parse(entry!.detail), { shipped: 2, failed: 0 });

  // The same file again: nothing to change, said plainly.
  const again = await upload(packer.client, iconv.encode(b2, 'cp932'));
  assert.match(again.text, /すでに発送済みです（伝票番号 123456789012）/);
  assert.match(again.text, /反映する変更はありません/);
  // The shopper's order page links to the carrier.
  const shopperView = (await store.services.orders.byId(b.id))!;
  assert.equal(shopperView.carrier, 'yamato');

  // One parcel by hand on the order page: the carrier chosen there links the mail too.
  const byHand = await paidOrder({ email: 'track-hand@example.jp' });
  const moved = await packer.client.postForm(`/admin/orders/${byHand.id}/status`, { to: 'shipped', from: 'paid', carrier: 'sagawa', tracking: '123456789099', note: '' });
  assert.equal(moved.status, 303);
  assert.equal((await store.services.orders.byId(byHand.id))!.carrier, 'sagawa');
  const [handMail] = await mailsTo(store, 'track-hand@example.jp', 'order.shipped');
  assert.ok(handMail!.text_body.includes('https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=123456789099'));
});
