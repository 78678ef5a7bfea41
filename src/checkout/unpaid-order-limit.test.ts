import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient } from '../../test/sessions.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { loadConfig } from '../platform/config.ts';
import { ipBucket as clientNetwork } from '../platform/http/networks.ts';
import { reviewAndPlace, validForm } from './test-helpers.ts';

/**
 * Issue 10, denial of inventory: unpaid orders per e-mail, customer, guest cart and client network, with the
 * documented defaults (3, 3, 3, and 5 per network in 24 h). Clients come "from" other networks through
 * X-Forwarded-For (TRUST_PROXY on).
 */
let store: TestStore;
let variant: number;
const defaults = loadConfig({}).unpaidOrderLimits;

before(async () => {
  store = await startTestStore({ config: { trustProxy: true, unpaidOrderLimits: { ...defaults } } });
  variant = await createTestVariant(store.ctx.db, { price: 2_000, stock: 500 });
});
after(() => store?.close());

let seq = 0;
const nextNet = () => `198.51.100.${++seq}`;

/** A guest browser on a network of its own unless given. */
function guest(ip = nextNet()) {
  return new TestClient(store.url, { 'x-forwarded-for': ip });
}

async function placeHtml(c: TestClient, form: Record<string, string> = {}) {
  assert.equal((await c.postForm('/cart/items', { variant_id: variant, quantity: 1 })).status, 303);
  return reviewAndPlace(c, { ...validForm, email: `limit-${++seq}@example.jp`, ...form });
}

const stock = async () => (await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', variant).executeTakeFirstOrThrow()).stock;
const limitAlerts = () => store.ctx.db.selectFrom('alert').select(['severity', 'detail', 'occurrences']).where('kind', '=', 'unpaid_order_limit').execute();

test('the documented defaults', () => {
  assert.deepEqual(defaults, { perEmail: 3, perCustomer: 3, perCart: 3, perNetwork: 5, networkWindowHours: 24, exemptNetworks: [] });
  assert.equal(clientNetwork('203.0.113.7'), '203.0.113.7');
  assert.equal(clientNetwork('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientNetwork('2001:db8:1:2:aaaa::9'), '2001:db8:1:2::/64');
  assert.equal(clientNetwork('2001:db8::1'), '2001:db8:0:0::/64');
});

test('per guest cart: the 4th unpaid order is refused next to the payment method (422), nothing held, an alert raised', async () => {
  const c = guest();
  for (let i = 0; i < 3; i++) assert.equal((await placeHtml(c)).placed.status, 303);
  const before = await stock();
  assert.equal((await c.postForm('/cart/items', { variant_id: variant, quantity: 1 })).status, 303);
  const review = await c.postForm('/checkout/review', { ...validForm, email: 'other-mail@example.jp' });
  const { placeFormFields } = await import('./test-helpers.ts');
  const refused = await c.postForm('/checkout/place', placeFormFields(review));
  assert.equal(refused.status, 422);
  assert.match(refused.text, /お支払いがお済みでないご注文が 3 件あります/);
  assert.match(refused.text, /id="payment_method-error"|aria-describedby="[^"]*payment_method/, 'next to the payment method');
  assert.equal(await stock(), before, 'no stock taken');
  const en = await c.postForm('/checkout/place?lang=en', placeFormFields(await c.postForm('/checkout/review', validForm)));
  assert.match(en.text, /There are already 3 unpaid orders/);
  const alerts = await limitAlerts();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.severity, 'medium');
  assert.equal((alerts[0]!.detail as { limit: string }).limit, 'cart');
  assert.ok(alerts[0]!.occurrences >= 2, 'each refusal counts');

  // Paying (or a cancellation) frees the slot.
  const oldest = await store.ctx.db.selectFrom('orders').select('id').where('access_token_hash', 'is not', null).where('status', '=', 'awaiting_payment').orderBy('id').executeTakeFirstOrThrow();
  await store.services.orders.transition(oldest.id, 'paid', null, 'test');
  assert.equal((await c.postForm('/checkout/place', placeFormFields(await c.postForm('/checkout/review', { ...validForm, email: 'freed@example.jp' })))).status, 303);
});

test('per e-mail (blind index, case and width folded): carts on other networks, the same address', async () => {
  const mails = ['same-buyer@example.jp', 'SAME-BUYER@example.jp', 'ｓａｍｅ-buyer@example.jp'];
  for (const email of mails) assert.equal((await placeHtml(guest(), { email })).placed.status, 303, email);
  const { placed } = await placeHtml(guest(), { email: ' same-buyer@EXAMPLE.jp' });
  assert.equal(placed.status, 422);
  assert.match(placed.text, /id="email-error"[^>]*>[^<]*お支払いがお済みでないご注文/);
});

test('per customer, and through the API as 422 JSON', async () => {
  const { client } = await customerClient(store);
  for (let i = 0; i < 3; i++) assert.equal((await placeHtml(client)).placed.status, 303);
  assert.equal((await placeHtml(client)).placed.status, 422);

  const api = new TestClient(store.url, { 'x-forwarded-for': nextNet() });
  const body = { email: 'api-limit@example.jp', shipping_address: { name: '佐藤 一郎', postal_code: '530-0001', prefecture: '大阪府', city: '大阪市北区', line1: '梅田1-1-1', phone: '06-1234-5678' }, shipping_method: 'standard', payment_method: 'bank_transfer' };
  const { token } = (await api.json('POST', '/api/store/carts')).json<{ token: string }>();
  const h = { 'x-cart-token': token };
  for (let i = 0; i < 4; i++) {
    assert.equal((await api.json('POST', '/api/store/cart/items', { variant_id: variant, quantity: 1 }, h)).status, 200);
    const r = await api.json('POST', '/api/store/checkout', { ...body, email: `api-${i}-${seq}@example.jp` }, { ...h, 'idempotency-key': randomUUID() });
    if (i < 3) assert.equal(r.status, 201, r.text);
    else {
      assert.equal(r.status, 422);
      assert.match(r.json<{ error: { fields: Record<string, string> } }>().error.fields.payment_method!, /3 件/);
    }
  }
});

test('per client network: 5 unpaid orders in 24 h per IPv4 address or IPv6 /64; another /64 and exempt networks pass', async () => {
  const net = (host: string) => `2001:db8:aa:1:${host}`;
  for (let i = 1; i <= 5; i++) assert.equal((await placeHtml(guest(net(`${i}::1`)))).placed.status, 303);
  const refused = await placeHtml(guest(net('ffff::9')));
  assert.equal(refused.placed.status, 422, 'the same /64, another address and cart and e-mail');
  assert.match(refused.placed.text, /5 件/);
  assert.equal((await placeHtml(guest('2001:db8:aa:2::1'))).placed.status, 303, 'the next /64');
  // Older than the window: no longer counted.
  await sql`update checkout_network set created_at = now() - interval '25 hours'`.execute(store.ctx.db);
  assert.equal((await placeHtml(guest(net('7::7')))).placed.status, 303);
  // UNPAID_ORDER_LIMIT_EXEMPT_NETWORKS: an allow-listed network is not counted per network.
  for (let i = 0; i < 5; i++) assert.equal((await placeHtml(guest('192.0.2.10'))).placed.status, 303);
  assert.equal((await placeHtml(guest('192.0.2.10'))).placed.status, 422);
  store.ctx.config.unpaidOrderLimits.exemptNetworks = ['192.0.2.0/24'];
  try {
    for (let i = 0; i < 3; i++) assert.equal((await placeHtml(guest('192.0.2.10'))).placed.status, 303);
  } finally {
    store.ctx.config.unpaidOrderLimits.exemptNetworks = [];
  }
  const rows = await store.ctx.db.selectFrom('checkout_network').select('network_bidx').execute();
  assert.ok(rows.every((r) => /^[0-9a-f]{16}$/.test(r.network_bidx)), 'only a keyed index, never the address');
  const alerts = await limitAlerts();
  assert.ok(alerts.some((a) => (a.detail as { limit: string }).limit === 'network'));
});
