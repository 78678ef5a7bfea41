import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestClient, TestResponse } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { mailsTo } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { verifyAudit } from '../audit/verify.ts';
import { insertAddressRecord, insertCustomerRecord } from '../identity/customers/customer-data.ts';
import { draftFor, makeVariant } from '../orders/test-fixtures.ts';
import { csvCell, csvDocument } from './csv.ts';

// Issue 5, guarded bulk export (T4), end to end through HTTP: step-up, caps, a second owner's approval,
// one download within the window, audit entries and the owners' mails.
let store: TestStore;
let alice: { client: TestClient; staffId: number; email: string };
let bob: { client: TestClient; staffId: number; email: string };

const addCustomer = async (n: number, name = `顧客 ${n}号`) => {
  const id = await insertCustomerRecord(store.ctx, { email: `export${n}@example.jp`, name, name_kana: 'コキャク', phone: '09012340000', password_hash: 'x' });
  await insertAddressRecord(store.ctx, id, { name, postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: n === 1 ? '@SUM(A1:A9)' : `神宮前${n}`, phone: '0312345678', is_default: true });
  return id;
};

before(async () => {
  store = await startTestStore({ config: { exportMaxRows: 3, exportMaxPerDay: 2, exportDownloadHours: 24 } });
  alice = await staffClient(store, 'owner');
  bob = await staffClient(store, 'owner');
  await addCustomer(1, '=HYPERLINK("http://evil.example","請求書")');
  await addCustomer(2, '+81 太郎');
});
after(() => store.close());

const exportRows = () => store.ctx.db.selectFrom('data_export').selectAll().orderBy('id').execute();
const audit = (action: string) => store.ctx.db.selectFrom('audit_entry').select(['actor_id', 'actor_role', 'object_type', 'object_id', 'detail']).where('action', '=', action).orderBy('seq').execute();
const csvLines = (res: TestResponse) => res.text.replace(/^\uFEFF/, '').split('\r\n');

test('CSV cells are quoted and formula-looking cells neutralised (also full-width)', () => {
  assert.equal(csvCell('=1+2'), "'=1+2");
  assert.equal(csvCell('+81 90'), "'+81 90");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('\rx'), "\"'\rx\"");
  assert.equal(csvCell('＝1+2'), "'＝1+2");
  assert.equal(csvCell('=HYPERLINK("http://e","x")'), `"'=HYPERLINK(""http://e"",""x"")"`);
  assert.equal(csvCell('山田, 太郎'), '"山田, 太郎"');
  assert.equal(csvCell(1200), '1200');
  assert.equal(csvCell(null), '');
  assert.equal(csvDocument(['# m'], ['a', 'b'], [['1', 2]]), '\uFEFF# m\r\na,b\r\n1,2\r\n');
});

test('without a fresh step-up the export is refused: sent to re-authenticate, nothing exported or recorded', async () => {
  const stale = await staffClient(store, 'owner', { stepUp: false });
  const res = await stale.client.postForm('/admin/exports', { kind: 'customers' }, { referer: `${store.url}/admin/exports` });
  assert.equal(res.status, 303);
  assert.match(res.location ?? '', /^\/admin\/step-up\?next=%2Fadmin%2Fexports/);
  assert.equal((await exportRows()).length, 0);
  assert.equal((await audit('export.customers')).length, 0);
  for (const role of ['order_operator', 'customer_support', 'content_editor'] as const) {
    const { client } = await staffClient(store, role);
    assert.equal((await client.get('/admin/exports')).status, 403, role);
    assert.equal((await client.postForm('/admin/exports', { kind: 'customers' })).status, 403, role);
  }
});

test('within the caps: a marked, neutralised UTF-8 CSV, recorded, and every owner is e-mailed', async () => {
  const page = await alice.client.get('/admin/exports');
  assert.equal(page.status, 200);
  assert.match(page.text, /data-caps="3\/2"/);
  const res = await alice.client.postForm('/admin/exports', { kind: 'customers' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  // fetch decodes UTF-8 and drops the BOM: the 3 bytes show in the length.
  assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(res.text) + 3, 'BOM for Excel');
  const disposition = res.headers.get('content-disposition') ?? '';
  assert.match(disposition, new RegExp(`^attachment; filename="omamori-customers-\\d{8}T\\d{6}Z-staff${alice.staffId}-export\\d+\\.csv"$`));
  const lines = csvLines(res);
  assert.match(lines[0]!, new RegExp(`^# omamori export #\\d+ \\| customers \\| 2 rows \\| exported by スタッフ\\d+ \\(staff #${alice.staffId} / owner\\) \\| \\d{4}-\\d\\d-\\d\\dT`));
  assert.equal(lines[1], 'customer_id,name,name_kana,email,phone,registered_at,postal_code,prefecture,city,line1,line2,address_phone');
  assert.ok(res.text.includes(`"'=HYPERLINK(""http://evil.example"",""請求書"")"`), 'formula neutralised and quoted');
  assert.ok(res.text.includes(",'+81 太郎,"));
  assert.ok(res.text.includes(",'@SUM(A1:A9),"));
  assert.ok(res.text.includes('export2@example.jp,09012340000'));

  const [row] = await exportRows();
  assert.equal(row!.status, 'exported');
  assert.equal(row!.exported_rows, 2);
  const [entry] = await audit('export.customers');
  assert.equal(entry!.actor_id, alice.staffId);
  assert.deepEqual(JSON.parse(entry!.detail), { format: 'csv', count: 2, filter: { export_id: row!.id } });
  for (const owner of [alice, bob]) {
    const mails = await mailsTo(store, owner.email, 'export.notice');
    assert.equal(mails.length, 1, owner.email);
    assert.match(mails[0]!.subject, /顧客 2 件/);
    assert.ok(mails[0]!.text_body.includes(`#${alice.staffId}`) && !mails[0]!.text_body.includes('export1@example.jp'), 'who, never what');
  }
});

test('over the row cap the export becomes a request; only another owner approves it, with step-up; then one download', async () => {
  await addCustomer(3);
  await addCustomer(4);
  const res = await alice.client.postForm('/admin/exports', { kind: 'customers' });
  assert.equal(res.status, 303);
  const id = Number(/^\/admin\/exports\/requests\?requested=(\d+)$/.exec(res.location ?? '')?.[1]);
  assert.ok(id > 0, res.location ?? '');
  const notice = await alice.client.get(res.location!);
  assert.match(notice.text, new RegExp(`#${id}`));
  const pending = (await exportRows()).find((r) => r.id === id)!;
  assert.equal(pending.status, 'pending');
  assert.equal(pending.row_count, 4);
  assert.equal(pending.over_caps, 'rows');
  assert.equal((await audit('export.requested')).at(-1)!.object_id, String(id));
  assert.equal((await mailsTo(store, bob.email, 'export.request')).length, 1);

  assert.equal((await alice.client.postForm(`/admin/exports/requests/${id}/approve`, {})).status, 403, 'not their own');
  const admin = await staffClient(store, 'administrator');
  assert.equal((await admin.client.postForm(`/admin/exports/requests/${id}/approve`, {})).status, 403, 'owners only');
  const bobStale = await staffClient(store, 'owner', { stepUp: false });
  assert.match((await bobStale.client.postForm(`/admin/exports/requests/${id}/approve`, {})).location ?? '', /^\/admin\/step-up/);
  assert.equal((await alice.client.postForm(`/admin/exports/requests/${id}/download`, {})).status, 409, 'not approved yet');

  const list = await bob.client.get('/admin/exports/requests');
  assert.match(list.text, new RegExp(`action="/admin/exports/requests/${id}/approve"`));
  const approved = await bob.client.postForm(`/admin/exports/requests/${id}/approve`, {});
  assert.equal(approved.status, 303);
  assert.equal((await exportRows()).find((r) => r.id === id)!.status, 'approved');
  assert.equal((await audit('export.approved')).at(-1)!.actor_id, bob.staffId);
  assert.equal((await mailsTo(store, alice.email, 'export.decision')).length, 1);
  assert.equal((await bob.client.postForm(`/admin/exports/requests/${id}/download`, {})).status, 404, 'only the requester downloads');

  const file = await alice.client.postForm(`/admin/exports/requests/${id}/download`, {});
  assert.equal(file.status, 200);
  assert.equal(csvLines(file).filter((l) => /^\d+,/.test(l)).length, 4);
  assert.match(csvLines(file)[0]!, new RegExp(`^# omamori export #${id} \\| customers \\| 4 rows`));
  const recorded = (await audit('export.customers')).at(-1)!;
  assert.deepEqual(JSON.parse(recorded.detail), { format: 'csv', count: 4, filter: { export_id: id, approved_by: bob.staffId } });
  assert.equal((await mailsTo(store, bob.email, 'export.notice')).length, 2);
  const again = await alice.client.postForm(`/admin/exports/requests/${id}/download`, {});
  assert.equal(again.status, 409, 'once only');
});

test('over the daily cap an export becomes a request too; a denied or expired request never downloads', async () => {
  // Alice has made two exports in 24 h (the direct one and the approved download): the cap is 2.
  const res = await alice.client.postForm('/admin/exports', { kind: 'orders' });
  assert.equal(res.status, 303);
  const id = Number(/requested=(\d+)/.exec(res.location ?? '')?.[1]);
  assert.equal((await exportRows()).find((r) => r.id === id)!.over_caps, 'daily');
  assert.equal((await bob.client.postForm(`/admin/exports/requests/${id}/deny`, {})).status, 303);
  assert.equal((await exportRows()).find((r) => r.id === id)!.status, 'denied');
  assert.equal((await audit('export.denied')).length, 1);
  assert.equal((await alice.client.postForm(`/admin/exports/requests/${id}/download`, {})).status, 409);
  assert.equal((await bob.client.postForm(`/admin/exports/requests/${id}/approve`, {})).status, 409, 'decided once');

  const second = Number(/requested=(\d+)/.exec((await alice.client.postForm('/admin/exports', { kind: 'orders' })).location ?? '')?.[1]);
  assert.equal((await bob.client.postForm(`/admin/exports/requests/${second}/approve`, {})).status, 303);
  await store.ctx.db.updateTable('data_export').set({ download_until: new Date(Date.now() - 1000) }).where('id', '=', second).execute();
  assert.equal((await alice.client.postForm(`/admin/exports/requests/${second}/download`, {})).status, 409, 'expired');
  const history = await bob.client.get('/admin/exports/history');
  assert.equal(history.status, 200);
  for (const r of await exportRows()) assert.match(history.text, new RegExp(`data-export="${r.id}"`));
});

test('orders export with a date filter; bad filters are explained and change nothing', async () => {
  const carol = await staffClient(store, 'administrator');
  const v = await makeVariant(store, { stock: 10 });
  const order = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'buyer@example.jp' }));
  const bad = await carol.client.postForm('/admin/exports', { kind: 'orders', from: '2026-13-40' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="from"[^>]*aria-invalid="true"/);
  assert.equal((await carol.client.postForm('/admin/exports', { kind: 'everything' })).status, 422);
  const before = (await exportRows()).length;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
  const res = await carol.client.postForm('/admin/exports', { kind: 'orders', from: today, to: today, status: 'awaiting_payment' });
  assert.equal(res.status, 200);
  const lines = csvLines(res);
  assert.equal(lines[1], 'order_number,placed_at,status,payment_method,total_yen,customer_id,email,ship_name,ship_name_kana,postal_code,prefecture,city,line1,line2,phone');
  assert.ok(lines[2]!.startsWith(`${order.number},`) && lines[2]!.includes('buyer@example.jp,山田 花子'));
  assert.equal((await exportRows()).length, before + 1);
  assert.equal((await audit('export.orders')).length, 1);
  const verified = await verifyAudit(store.ctx.db, store.ctx.config);
  assert.equal(verified.ok, true, JSON.stringify(verified.findings));
});
