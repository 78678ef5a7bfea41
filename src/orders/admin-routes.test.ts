import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { mailsTo } from '../../test/outbox.ts';
import { customerClient, staffClient } from '../../test/sessions.ts';
import type { TestClient } from '../../test/client.ts';
import { AppError } from '../platform/http/errors.ts';
import type { OrderDraft } from './service.ts';
import { draftFor, makeVariant, stockOf, type TestVariant } from './test-fixtures.ts';

let store: TestStore;
let owner: TestClient;
let beans: TestVariant;
let dripper: TestVariant;
before(async () => {
  store = await startTestStore();
  owner = (await staffClient(store, 'owner')).client;
  beans = await makeVariant(store, { reduced: true, stock: 100 });
  dripper = await makeVariant(store, { stock: 100 });
});
after(() => store.close());

async function place(opts: Partial<OrderDraft> = {}, quantity = 1) {
  return store.services.orders.place(draftFor([{ v: beans, quantity }, { v: dripper, quantity: 1 }], opts));
}
const statusOf = async (id: number) => (await store.ctx.db.selectFrom('orders').select(['status', 'paid_at', 'tracking_number']).where('id', '=', id).executeTakeFirstOrThrow());
const eventCount = async (id: number) => (await store.ctx.db.selectFrom('order_event').select('id').where('order_id', '=', id).execute()).length;
const move = (client: TestClient, id: number, fields: Record<string, string>) => client.postForm(`/admin/orders/${id}/status`, fields);

test('the order list filters by status, payment method, date, number, e-mail and customer', async () => {
  const { customerId } = await customerClient(store);
  const bank = await place({ email: 'Filter-Bank@example.jp' });
  const cod = await place({ paymentMethod: 'cod', email: 'filter-cod@example.jp', customerId, accessTokenHash: null });
  await store.services.orders.transition(bank.id, 'paid', null, '');

  const all = await owner.get('/admin/orders');
  assert.equal(all.status, 200);
  assert.ok(all.text.includes(bank.number) && all.text.includes(cod.number));
  assert.match(all.text, /class="status status-paid"/);

  const paid = await owner.get('/admin/orders?status=paid');
  assert.ok(paid.text.includes(bank.number) && !paid.text.includes(cod.number));
  const byMethod = await owner.get('/admin/orders?payment=cod');
  assert.ok(byMethod.text.includes(cod.number) && !byMethod.text.includes(bank.number));
  const byEmail = await owner.get('/admin/orders?q=filter-bank%40example.jp');
  assert.ok(byEmail.text.includes(bank.number) && !byEmail.text.includes(cod.number), 'e-mail matches exactly, case-insensitively');
  assert.ok(!(await owner.get('/admin/orders?q=filter%40example.jp')).text.includes(bank.number), 'no partial e-mail search');
  const byNumber = await owner.get(`/admin/orders?q=${cod.number}`);
  assert.ok(byNumber.text.includes(cod.number) && !byNumber.text.includes(bank.number));
  const byCustomer = await owner.get(`/admin/orders?customer=${customerId}`);
  assert.ok(byCustomer.text.includes(cod.number) && !byCustomer.text.includes(bank.number));
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
  assert.ok((await owner.get(`/admin/orders?from=${today}&to=${today}`)).text.includes(bank.number));
  assert.ok(!(await owner.get('/admin/orders?from=2099-01-01')).text.includes(bank.number));

  const bad = await owner.get('/admin/orders?from=21-11-2026&q=%25');
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="from"[^>]*aria-invalid="true" aria-describedby="from-error"/);
  assert.match(bad.text, /日付を選んでください/);
  assert.match(bad.text, /注文番号（数字とハイフン）、メールアドレス、0で始まる電話番号、または氏名の先頭を入力してください/);
});

test('the detail page shows lines, per-rate totals, address, history and only the legal next steps', async () => {
  const order = await place({}, 2);
  const res = await owner.get(`/admin/orders/${order.id}`);
  assert.equal(res.status, 200);
  assert.ok(res.text.includes(order.number));
  assert.match(res.text, /<div data-rate="8"[^>]*><dt>8%対象<\/dt><dd>¥2,160（うち消費税 ¥160）<\/dd>/);
  assert.match(res.text, /<div data-rate="10"[^>]*><dt>10%対象<\/dt>/);
  // Masked by default for every role (issue 5): the town, not the street; the full record after the recorded reveal.
  assert.ok(res.text.includes('〒150-****') && res.text.includes('h***@example.jp') && !res.text.includes('hanako@example.jp'));
  const revealed = await owner.postForm(`/admin/orders/${order.id}/reveal`, {});
  assert.ok(revealed.text.includes('〒150-0001') && revealed.text.includes('hanako@example.jp') && revealed.text.includes('おまもりビル'));
  assert.ok(res.text.includes('入金済みにする') && res.text.includes('キャンセルする'));
  assert.ok(!res.text.includes('発送済みにする'), 'a bank-transfer order cannot ship before payment');
  assert.match(res.text, /お客様（注文）/);
  const en = await owner.get(`/admin/orders/${order.id}?lang=en`);
  assert.ok(en.text.includes('Mark as paid') && en.text.includes('Cancel order') && en.text.includes('Subject to 8%'));
  assert.ok(!/[ぁ-ん]/.test(en.text.replace(/山田 花子|ドリップバッグ\d+|ドリッパー\d+|標準|東京都|渋谷区神宮前|おまもりビル|スタッフ\d+|日本語/g, '')), 'no Japanese UI text left in English');
  assert.equal((await owner.get('/admin/orders/999999')).status, 404);
});

test('legal transitions apply, are recorded, and mail the customer on shipping', async () => {
  const { client: operator, staffId } = await staffClient(store, 'order_operator');
  const order = await place({ email: 'ship-me@example.jp' });
  const paid = await move(operator, order.id, { to: 'paid', from: 'awaiting_payment', note: '入金確認 11/21' });
  assert.equal(paid.status, 303);
  assert.equal(paid.location, `/admin/orders/${order.id}?done=paid`);
  assert.equal((await statusOf(order.id)).status, 'paid');
  assert.ok((await statusOf(order.id)).paid_at);
  const page = await operator.get(paid.location!);
  assert.match(page.text, /「入金済み」にしました。/);
  assert.ok(page.text.includes('発送済みにする') && page.text.includes('入金確認 11/21'));

  assert.equal((await move(operator, order.id, { to: 'shipped', from: 'paid', tracking: '1234-5678-9012' })).status, 303);
  assert.equal((await statusOf(order.id)).tracking_number, '1234-5678-9012');
  const event = await store.ctx.db.selectFrom('order_event').selectAll().where('order_id', '=', order.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual([event.from_status, event.to_status, event.staff_id], ['paid', 'shipped', staffId]);
  const [mail] = await mailsTo(store, 'ship-me@example.jp', 'order.shipped');
  assert.ok(mail);
  assert.match(mail.text_body, /お問い合わせ伝票番号: 1234-5678-9012/);
});

test('an illegal transition is refused with a clear message, 409, and nothing changes', async () => {
  const order = await place();
  await store.services.orders.transition(order.id, 'paid', null, '');
  await store.services.orders.transition(order.id, 'shipped', null, '');
  const before = await eventCount(order.id);
  const res = await move(owner, order.id, { to: 'awaiting_payment', from: 'shipped' });
  assert.equal(res.status, 409);
  assert.match(res.text, /「発送済み」の注文を「入金待ち」に戻すことはできません。/);
  assert.ok(res.text.includes('配達完了にする'), 'the page still offers the legal steps');
  assert.equal((await statusOf(order.id)).status, 'shipped');
  assert.equal(await eventCount(order.id), before);

  const paidOrder = await place();
  await store.services.orders.transition(paidOrder.id, 'paid', null, '');
  const cancel = await move(owner, paidOrder.id, { to: 'cancelled', from: 'paid' });
  assert.equal(cancel.status, 409);
  assert.match(cancel.text, /返金済み/);
  assert.equal((await statusOf(paidOrder.id)).status, 'paid');

  const stale = await move(owner, paidOrder.id, { to: 'cancelled', from: 'awaiting_payment' });
  assert.equal(stale.status, 409);
  assert.match(stale.text, /別の操作で「入金済み」に変わっています/);
});

test('cancelling returns the stock and mails the customer; refunding a paid order returns it too', async () => {
  const startBeans = await stockOf(store, beans.variantId);
  const order = await place({ email: 'cancel-me@example.jp' }, 3);
  assert.equal(await stockOf(store, beans.variantId), startBeans - 3);
  assert.equal((await move(owner, order.id, { to: 'cancelled', from: 'awaiting_payment' })).status, 303);
  assert.equal(await stockOf(store, beans.variantId), startBeans);
  assert.equal((await statusOf(order.id)).status, 'cancelled');
  const mail = await mailsTo(store, 'cancel-me@example.jp');
  assert.deepEqual(mail.map((m) => m.kind), ['order.confirmation', 'order.cancelled']);
  const done = await owner.get(`/admin/orders/${order.id}`);
  assert.match(done.text, /この注文はこれ以上状態を変更できません/);

  const paid = await place({}, 2);
  await store.services.orders.transition(paid.id, 'paid', null, '');
  assert.equal((await move(owner, paid.id, { to: 'refunded', from: 'paid' })).status, 303);
  assert.equal(await stockOf(store, beans.variantId), startBeans);
});

test('two staff changing one order at once: exactly one change applies', async () => {
  const order = await place();
  const results = await Promise.allSettled([store.services.orders.transition(order.id, 'paid', null, ''), store.services.orders.transition(order.id, 'cancelled', null, '')]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.ok(refused.reason instanceof AppError && refused.reason.code === 'conflict');
  assert.equal(await eventCount(order.id), 2);
});

test('free-text fields refuse card numbers (T2); bad tracking numbers are explained', async () => {
  const order = await place();
  const res = await move(owner, order.id, { to: 'paid', from: 'awaiting_payment', note: 'カード 4111-1111-1111-1111 で受領' });
  assert.equal(res.status, 422);
  assert.match(res.text, /カード番号のような数字は入力できません/);
  assert.equal((await statusOf(order.id)).status, 'awaiting_payment');
  await store.services.orders.transition(order.id, 'paid', null, '');
  const tracking = await move(owner, order.id, { to: 'shipped', from: 'paid', tracking: '<script>' });
  assert.equal(tracking.status, 422);
  assert.match(tracking.text, /半角英数字とハイフン/);
  assert.ok(!tracking.text.includes('<script>'));
});

test('roles: content editors are refused, support reads without buttons and sees masked contact data (T4)', async () => {
  const order = await place({ email: 'masked@example.jp' });
  const { client: editor } = await staffClient(store, 'content_editor');
  assert.equal((await editor.get('/admin/orders')).status, 403);
  assert.equal((await editor.get(`/admin/orders/${order.id}`)).status, 403);
  assert.equal((await move(editor, order.id, { to: 'paid', from: 'awaiting_payment' })).status, 403);

  const { client: support } = await staffClient(store, 'customer_support');
  const page = await support.get(`/admin/orders/${order.id}`);
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes('入金済みにする'));
  assert.ok(page.text.includes('m***@example.jp') && !page.text.includes('masked@example.jp'));
  assert.ok(page.text.includes('031-****-5678'));
  assert.equal((await move(support, order.id, { to: 'paid', from: 'awaiting_payment' })).status, 403);
  assert.equal((await statusOf(order.id)).status, 'awaiting_payment');
});
