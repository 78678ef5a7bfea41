import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { openOrderRow } from '../orders/encrypted-fields.ts';
import { insertCustomerRecord } from '../identity/customers/customer-data.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { createSession } from '../identity/sessions/sessions.ts';

let store: TestStore;
let api: TestClient;
before(async () => {
  store = await startTestStore();
  api = new TestClient(store.url);
});
after(() => store.close());

const body = (over: Record<string, unknown> = {}) => ({
  email: 'api@example.jp',
  shipping_address: { name: '佐藤 一郎', name_kana: 'サトウ イチロウ', postal_code: '530-0001', prefecture: '大阪府', city: '大阪市北区', line1: '梅田1-1-1', phone: '06-1234-5678' },
  shipping_method: 'standard',
  payment_method: 'bank_transfer',
  ...over,
});

async function guestCart(variantId: number, quantity = 1): Promise<Record<string, string>> {
  const { token } = (await api.json('POST', '/api/store/carts')).json();
  const headers = { 'x-cart-token': token };
  const added = await api.json('POST', '/api/store/cart/items', { variant_id: variantId, quantity }, headers);
  assert.equal(added.status, 200, added.text);
  return headers;
}

const key = () => randomUUID();

test('checkout options are localized', async () => {
  const ja = (await api.json('GET', '/api/store/checkout/options')).json();
  assert.deepEqual(ja.payment_methods.map((m: { id: string }) => m.id), ['bank_transfer', 'cod', 'card']);
  assert.equal(ja.payment_methods[1].label, '代金引換');
  assert.equal(ja.shipping_methods[0].id, 'standard');
  const en = (await api.json('GET', '/api/store/checkout/options', undefined, { 'accept-language': 'en' })).json();
  assert.equal(en.payment_methods[0].label, 'Bank transfer');
});

test('quote: prices, fees and per-rate tax; field errors point into the body', async () => {
  const v = await createTestVariant(store.ctx.db, { price: 1_080, reduced: true });
  const h = await guestCart(v, 2);
  const quote = await api.json('POST', '/api/store/checkout/quote', body({ payment_method: 'cod' }), h);
  assert.equal(quote.status, 200, quote.text);
  const q = quote.json();
  assert.equal(q.items_total, 2_160);
  assert.equal(q.shipping_fee, 900); // 近畿
  assert.equal(q.payment_fee, 330);
  assert.equal(q.total, 3_390);
  assert.deepEqual(q.taxes, [
    { rate: 10, taxable: 1_230, tax: 111 },
    { rate: 8, taxable: 2_160, tax: 160 },
  ]);
  const bad = await api.json('POST', '/api/store/checkout/quote', body({ email: undefined, shipping_address: { ...body().shipping_address, postal_code: '1' } }), h);
  assert.equal(bad.status, 422);
  const fields = bad.json().error.fields;
  assert.match(fields['shipping_address.postal_code'], /郵便番号/);
  assert.ok(fields.email);
});

test('place order: needs an Idempotency-Key; the same key returns the same order; another cart cannot reuse it', async () => {
  const v = await createTestVariant(store.ctx.db, { price: 5_000, stock: 5 });
  const h = await guestCart(v, 1);
  const missing = await api.json('POST', '/api/store/checkout', body(), h);
  assert.equal(missing.status, 422);
  const k = key();
  const placed = await api.json('POST', '/api/store/checkout', body({ expected_total: 5_000 }), { ...h, 'idempotency-key': k });
  assert.equal(placed.status, 201, placed.text);
  const order = placed.json();
  assert.equal(order.status, 'awaiting_payment');
  assert.equal(order.total, 5_000); // free shipping from ¥5,000
  assert.equal(order.shipping_fee, 0);
  assert.deepEqual(order.taxes, [{ rate: 10, taxable: 5_000, tax: 454 }]);
  assert.equal(order.created, true);
  assert.deepEqual(order.next_step, { kind: 'confirmation' });
  const again = await api.json('POST', '/api/store/checkout', body(), { ...h, 'idempotency-key': k });
  assert.equal(again.status, 200);
  assert.equal(again.json().number, order.number);
  assert.equal(again.json().created, false);
  assert.deepEqual(again.json().taxes, order.taxes);

  const h2 = await guestCart(v, 1);
  const reused = await api.json('POST', '/api/store/checkout', body(), { ...h2, 'idempotency-key': k });
  assert.equal(reused.status, 409, 'T4: another shopper’s key neither places nor reveals an order');
  assert.doesNotMatch(reused.text, new RegExp(order.number));
  const changed = await api.json('POST', '/api/store/checkout', body({ expected_total: 1 }), { ...h2, 'idempotency-key': key() });
  assert.equal(changed.status, 409);
  assert.equal(changed.json().error.code, 'conflict');
});

test('a customer by bearer token: the account e-mail is used', async () => {
  const v = await createTestVariant(store.ctx.db, { price: 2_000 });
  const customer = { id: await insertCustomerRecord(store.ctx, { email: 'bearer@example.jp', name: '鈴木 花', password_hash: 'x' }) };
  const auth = { authorization: `Bearer ${await createSession(store.ctx.db, 'store', { customerId: customer.id })}` };
  assert.equal((await api.json('POST', '/api/store/cart/items', { variant_id: v, quantity: 1 }, auth)).status, 200);
  const placed = await api.json('POST', '/api/store/checkout', body({ email: 'other@example.jp' }), { ...auth, 'idempotency-key': key() });
  assert.equal(placed.status, 201, placed.text);
  const row = await openOrderRow(store.ctx.vault, await store.ctx.db.selectFrom('orders').select(['id', 'email', 'customer_id']).where('number', '=', placed.json().number).executeTakeFirstOrThrow());
  assert.deepEqual(row, { id: row.id, email: 'bearer@example.jp', customer_id: customer.id });
  assert.equal((await api.json('GET', '/api/store/cart', undefined, auth)).json().item_count, 0, 'the cart was emptied');
});

test('50 concurrent checkouts for 10 units in stock: exactly 10 orders and 40 clear sold-out answers', async () => {
  const v = await createTestVariant(store.ctx.db, { name: '限定焙煎', price: 3_000, stock: 10 });
  const carts = await Promise.all(Array.from({ length: 50 }, () => guestCart(v, 1)));
  const results = await Promise.all(carts.map((h) => api.json('POST', '/api/store/checkout', body(), { ...h, 'idempotency-key': key() })));
  const placed = results.filter((r) => r.status === 201);
  const soldOut = results.filter((r) => r.status === 409 && r.json().error.code === 'sold_out');
  assert.equal(placed.length, 10, results.map((r) => r.status).join(','));
  assert.equal(soldOut.length, 40);
  for (const r of soldOut) assert.match(r.json().error.message, /在庫/);
  assert.equal(new Set(placed.map((r) => r.json().number)).size, 10);
  const lines = await store.ctx.db.selectFrom('order_line').select(store.ctx.db.fn.sum<number>('quantity').as('n')).where('variant_id', '=', v).executeTakeFirstOrThrow();
  assert.equal(Number(lines.n), 10);
  assert.equal((await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', v).executeTakeFirstOrThrow()).stock, 0);
});

test('two simultaneous submits with the same key place one order', async () => {
  const v = await createTestVariant(store.ctx.db, { price: 1_000, stock: 5 });
  const h = await guestCart(v, 2);
  const k = key();
  const [a, b] = await Promise.all([0, 1].map(() => api.json('POST', '/api/store/checkout', body(), { ...h, 'idempotency-key': k })));
  assert.deepEqual([a!.status, b!.status].sort(), [200, 201]);
  assert.equal(a!.json().number, b!.json().number);
  assert.equal((await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', v).executeTakeFirstOrThrow()).stock, 3, 'stock taken once');
});
