import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient } from '../../test/sessions.ts';
import { cartCookieBase } from '../cart/owner.ts';
import { sessionCookieBase } from '../identity/sessions/sessions.ts';
import { draftFor, guestToken, makeVariant, type TestVariant } from './test-fixtures.ts';

let store: TestStore;
let beans: TestVariant;
let dripper: TestVariant;
before(async () => {
  store = await startTestStore();
  beans = await makeVariant(store, { reduced: true, price: 1080, stock: 1000 });
  dripper = await makeVariant(store, { price: 2200, stock: 1000 });
});
after(() => store.close());

const items = () => [{ v: beans, quantity: 2 }, { v: dripper, quantity: 1 }];
function guestBrowser(token: string): TestClient {
  const client = new TestClient(store.url);
  client.setCookie(store.services.cookies.name(cartCookieBase), token);
  return client;
}

test('the confirmation page is shown to the customer who ordered and is a 404 to everyone else', async () => {
  const { client, customerId } = await customerClient(store);
  const order = await store.services.orders.place(draftFor(items(), { customerId, accessTokenHash: null }));
  const res = await client.get(`/orders/${order.number}?placed=1`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.text, /<h1>ご注文ありがとうございます<\/h1>/);
  assert.ok(res.text.includes(order.number));
  assert.match(res.text, /<dl class="tax-breakdown">/);
  assert.match(res.text, /data-rate="10" data-taxable="3000" data-tax="272"><dt>10%対象<\/dt><dd>¥3,000（うち消費税 ¥272）<\/dd>/);
  assert.match(res.text, /data-rate="8" data-taxable="2160" data-tax="160"><dt>8%対象<\/dt>/);
  assert.ok(res.text.includes('※は軽減税率（8%）対象'));
  assert.ok(res.text.includes('T1234567890123'));
  assert.ok(res.text.includes('東京都渋谷区神宮前1-2-3'));
  assert.ok(res.text.includes('お振込のご案内') && res.text.includes('デモ銀行'), 'bank transfer instructions');
  assert.match(res.text, /status status-awaiting_payment/);

  const missing = await client.get('/orders/20200101-999999');
  const stranger = await (await customerClient(store)).client.get(`/orders/${order.number}`);
  const anonymous = await new TestClient(store.url).get(`/orders/${order.number}`);
  for (const r of [missing, stranger, anonymous]) assert.equal(r.status, 404);
  assert.equal(stranger.text, missing.text, 'an order you cannot see looks exactly like one that does not exist');
  assert.ok(!stranger.text.includes(order.number));
});

test('a guest sees the order from the browser whose cart placed it, and nowhere else', async () => {
  const guest = guestToken();
  const order = await store.services.orders.place(draftFor(items(), { accessTokenHash: guest.hash, paymentMethod: 'cod', locale: 'en' }));
  const mine = await guestBrowser(guest.token).get(`/orders/${order.number}`, { 'accept-language': 'en' });
  assert.equal(mine.status, 200);
  assert.match(mine.text, /Thank you for your order/);
  assert.match(mine.text, /Paying cash on delivery/);
  assert.match(mine.text, /Preparing to ship \(cash on delivery\)/);
  assert.equal((await guestBrowser(guestToken().token).get(`/orders/${order.number}`)).status, 404);
  const signedIn = (await customerClient(store)).client;
  assert.equal((await signedIn.get(`/orders/${order.number}`)).status, 404);
});

test('the receipt is a qualified invoice: seller, registration number, ※, per-rate totals, recipient', async () => {
  const guest = guestToken();
  const browser = guestBrowser(guest.token);
  const order = await store.services.orders.place(draftFor(items(), { accessTokenHash: guest.hash }));
  const invoice = await browser.get(`/orders/${order.number}/receipt`);
  assert.equal(invoice.status, 200);
  assert.match(invoice.text, /<h1 id="receipt-title">適格請求書<\/h1>/);
  for (const expected of ['株式会社おまもりコーヒー（デモ）', '登録番号', 'T1234567890123', '山田 花子 様', '※は軽減税率（8%）対象', '8%対象', '¥2,160（うち消費税 ¥160）', '¥3,000（うち消費税 ¥272）', '発行日']) {
    assert.ok(invoice.text.includes(expected), `receipt shows ${expected}`);
  }
  assert.equal((await new TestClient(store.url).get(`/orders/${order.number}/receipt`)).status, 404);

  await store.services.orders.transition(order.id, 'paid', null, '');
  const receipt = await browser.get(`/orders/${order.number}/receipt`);
  assert.match(receipt.text, /領収書（適格請求書）/);
  assert.match(receipt.text, /上記の金額を正に領収いたしました/);

  const cancelled = await store.services.orders.place(draftFor(items(), { accessTokenHash: guest.hash }));
  await store.services.orders.transition(cancelled.id, 'cancelled', null, '');
  const refused = await browser.get(`/orders/${cancelled.number}/receipt`);
  assert.equal(refused.status, 409);
  assert.match(refused.text, /取り消された注文の領収書・請求書は発行できません/);
});

test('order history: sign-in required, then only your own orders, newest first', async () => {
  const anonymous = await new TestClient(store.url).get('/account/orders');
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.location, '/account/sign-in?next=%2Faccount%2Forders');

  const { client, customerId } = await customerClient(store);
  const first = await store.services.orders.place(draftFor(items(), { customerId, accessTokenHash: null }));
  const second = await store.services.orders.place(draftFor(items(), { customerId, accessTokenHash: null }));
  const someoneElse = await store.services.orders.place(draftFor(items()));
  const res = await client.get('/account/orders');
  assert.equal(res.status, 200);
  assert.ok(res.text.includes(`href="/orders/${first.number}"`) && res.text.includes(`href="/orders/${second.number}"`));
  assert.ok(res.text.indexOf(second.number) < res.text.indexOf(first.number));
  assert.ok(!res.text.includes(someoneElse.number));
  assert.match((await (await customerClient(store)).client.get('/account/orders')).text, /まだご注文はありません/);
});

test('API: a customer lists and reads their orders by bearer token; a guest reads by X-Cart-Token', async () => {
  const { client, customerId } = await customerClient(store);
  const bearer = { authorization: `Bearer ${client.cookie(store.services.cookies.name(sessionCookieBase.store))}` };
  const order = await store.services.orders.place(draftFor(items(), { customerId, accessTokenHash: null }));
  const api = new TestClient(store.url);

  assert.equal((await api.json('GET', '/api/store/orders')).status, 401);
  const list = await api.json('GET', '/api/store/orders', undefined, bearer);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json().items.map((o: { number: string }) => o.number), [order.number]);
  const one = await api.json('GET', `/api/store/orders/${order.number}`, undefined, bearer);
  assert.equal(one.status, 200);
  const body = one.json();
  assert.deepEqual(body.tax_breakdown, [{ rate: 10, taxable: 3000, tax: 272 }, { rate: 8, taxable: 2160, tax: 160 }]);
  assert.equal(body.invoice_number, 'T1234567890123');
  assert.equal(body.lines.length, 2);
  assert.equal(body.payment_instructions.title, 'お振込のご案内');

  const guest = guestToken();
  const guestOrder = await store.services.orders.place(draftFor(items(), { accessTokenHash: guest.hash }));
  assert.equal((await api.json('GET', `/api/store/orders/${guestOrder.number}`, undefined, { 'x-cart-token': guest.token })).status, 200);
  assert.equal((await api.json('GET', `/api/store/orders/${guestOrder.number}`, undefined, { 'x-cart-token': guestToken().token })).status, 404);
  assert.equal((await api.json('GET', `/api/store/orders/${guestOrder.number}`, undefined, bearer)).status, 404);
  assert.equal((await api.json('GET', `/api/store/orders/${guestOrder.number}`)).status, 401);
  // The API never reads cookies: the guest's cart cookie alone opens nothing.
  assert.equal((await guestBrowser(guest.token).json('GET', `/api/store/orders/${guestOrder.number}`)).status, 401);
});
