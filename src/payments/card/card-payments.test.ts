import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { TestClient } from '../../../test/client.ts';
import type { TestStore } from '../../../test/harness.ts';
import { staffClient } from '../../../test/sessions.ts';
import { placeCardOrder, payOnGateway, startCardStore } from './test-helpers.ts';
import { stripeTestCards } from '../../../test/fixtures/cards.ts';

let store: TestStore;
before(async () => {
  store = await startCardStore();
});
after(() => store.close());

const { visa, threeDsChallenge: threeDs, declined, insufficientFunds: insufficient } = stripeTestCards;

const settle = () => store.gateway!.settle();
const orderStatus = async (id: number) => (await store.ctx.db.selectFrom('orders').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const payment = (id: number) => store.ctx.db.selectFrom('card_payment').selectAll().where('order_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
const stockOf = async (variantId: number) => (await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', variantId).executeTakeFirstOrThrow()).stock;
const events = (id: number) => store.ctx.db.selectFrom('order_event').select(['from_status', 'to_status']).where('order_id', '=', id).orderBy('id').execute();
const returnPage = (c: TestClient, path: string) => c.get(path);
const stateOf = (text: string) => /data-payment-state="([a-z_]+)"/.exec(text)?.[1];

function signed(payload: string, timestamp = Math.floor(Date.now() / 1000), secret = store.ctx.config.stripeWebhookSecret) {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
async function postWebhook(payload: string, signature: string) {
  const res = await fetch(`${store.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
  return { status: res.status, body: (await res.json()) as { outcome: string } };
}

test('checkout redirects to the hosted page on the gateway origin; the store page allows that origin in form-action', async () => {
  const { payUrl, client } = await placeCardOrder(store);
  assert.notEqual(new URL(payUrl).origin, new URL(store.url).origin);
  assert.equal(new URL(payUrl).origin, store.gateway!.origin);
  const page = await client.get('/checkout');
  assert.match(page.headers.get('content-security-policy') ?? '', new RegExp(`form-action 'self' ${store.gateway!.origin}`));
  const hosted = await fetch(payUrl);
  assert.match(hosted.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.match(await hosted.text(), /name="number"/);
});

test('frictionless success: the order is paid once, with brand, last 4 and expiry kept; the return page says paid', async () => {
  const o = await placeCardOrder(store);
  const paid = await payOnGateway(o.payUrl, visa);
  assert.equal(paid.challenged, false);
  assert.equal(paid.status, 303);
  const back = new URL(paid.location!);
  assert.equal(back.origin, new URL(store.url).origin);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'paid');
  const p = await payment(o.orderId);
  assert.deepEqual([p.status, p.card_brand, p.card_last4, p.card_exp_month, p.card_exp_year], ['paid', 'visa', '4242', 12, 2034]);
  const page = await returnPage(o.client, back.pathname + back.search);
  assert.equal(stateOf(page.text), 'paid');
  assert.match(page.text, /お支払いが完了しました/);
  assert.deepEqual((await events(o.orderId)).map((e) => e.to_status), ['awaiting_payment', 'paid']);
  // The return URL belongs to the shopper who placed the order only.
  assert.equal((await new TestClient(store.url).get(back.pathname + back.search)).status, 404);
});

test('3-D Secure challenge completed: paid', async () => {
  const o = await placeCardOrder(store);
  const done = await payOnGateway(o.payUrl, threeDs, 'complete');
  assert.equal(done.challenged, true);
  assert.equal(done.status, 303);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'paid');
  const page = await returnPage(o.client, new URL(done.location!).pathname + new URL(done.location!).search);
  assert.equal(stateOf(page.text), 'paid');
});

test('3-D Secure failed: the order stays payable; the shopper sees one generic message and can cancel (stock returns)', async () => {
  const o = await placeCardOrder(store, { stock: 5 });
  assert.equal(await stockOf(o.variantId), 4);
  const failed = await payOnGateway(o.payUrl, threeDs, 'fail');
  assert.equal(failed.status, 402);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');
  assert.equal((await payment(o.orderId)).status, 'failed');
  const page = await returnPage(o.client, `/checkout/card/return?order=${o.number}`);
  assert.equal(stateOf(page.text), 'failed');
  assert.match(page.text, /このカードではお支払いができませんでした/);
  assert.match(page.text, new RegExp(`href="${o.payUrl}"`)); // pay again on the hosted page
  const en = await o.client.get(`/checkout/card/return?order=${o.number}&lang=en`);
  assert.match(en.text, /Your payment did not go through/);
  const cancelled = await o.client.postForm('/checkout/card/cancel', { order: o.number });
  assert.equal(cancelled.status, 303);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'cancelled');
  assert.equal(await stockOf(o.variantId), 5);
  assert.equal(stateOf((await o.client.get(cancelled.location!)).text), 'cancelled');
  const attempt = await store.ctx.db.selectFrom('payment_attempt').select(['kind', 'reason', 'fingerprint']).where('session_id', '=', o.sessionId).where('kind', '=', 'failed').executeTakeFirstOrThrow();
  assert.equal(attempt.reason, 'payment_intent_authentication_failure');
  assert.ok(attempt.fingerprint);
});

test('abandoned challenge: the session expires at the provider and the order is cancelled, stock returned', async () => {
  const o = await placeCardOrder(store, { stock: 3 });
  const left = await payOnGateway(o.payUrl, threeDs, 'abandon');
  assert.equal(left.challenged, true);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');
  assert.equal(stateOf((await returnPage(o.client, `/checkout/card/return?order=${o.number}`)).text), 'processing');
  store.gateway!.sweep(Math.floor(Date.now() / 1000) + 3600); // the 30-minute session runs out
  await settle();
  assert.equal(await orderStatus(o.orderId), 'cancelled');
  assert.equal(await stockOf(o.variantId), 3);
  assert.equal((await payment(o.orderId)).status, 'expired');
  assert.equal(stateOf((await returnPage(o.client, `/checkout/card/return?order=${o.number}`)).text), 'cancelled');
  // The hosted page is closed now.
  assert.equal((await fetch(o.payUrl)).status, 410);
});

test('decline: generic message only, order payable, the reason kept for detection', async () => {
  const o = await placeCardOrder(store);
  const res = await payOnGateway(o.payUrl, insufficient);
  assert.equal(res.status, 402);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');
  const page = await returnPage(o.client, `/checkout/card/return?order=${o.number}`);
  assert.equal(stateOf(page.text), 'failed');
  assert.doesNotMatch(page.text, /insufficient|残高|funds/i);
  const attempt = await store.ctx.db.selectFrom('payment_attempt').select('reason').where('session_id', '=', o.sessionId).where('kind', '=', 'failed').executeTakeFirstOrThrow();
  assert.equal(attempt.reason, 'insufficient_funds');
  // A second card on the same session then succeeds.
  await payOnGateway(o.payUrl, visa);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'paid');
});

test('webhooks delivered twice, late or out of order change the order once', async () => {
  const o = await placeCardOrder(store);
  await payOnGateway(o.payUrl, visa);
  await settle();
  const mine = store.gateway!.events.filter((e) => JSON.stringify(e.data.object).includes(o.sessionId) || (e.data.object as { metadata?: { order_number?: string } }).metadata?.order_number === o.number);
  const completed = mine.find((e) => e.type === 'checkout.session.completed')!;
  const succeeded = mine.find((e) => e.type === 'payment_intent.succeeded')!;
  assert.ok(completed && succeeded);
  // The same event again: recognised by its id.
  const again = JSON.stringify(completed);
  assert.deepEqual(await postWebhook(again, signed(again)), { status: 200, body: { received: true, outcome: 'duplicate' } });
  // Refund, then a late "completed" (a new event id) and "succeeded" arrive after the refund: the provider's state wins.
  const { client: staff } = await staffClient(store, 'owner');
  assert.equal((await staff.postForm(`/admin/orders/${o.orderId}/card/refund`, { amount: '' })).location, `/admin/orders/${o.orderId}?card=refunded`);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'refunded');
  for (const e of [completed, succeeded]) {
    const late = JSON.stringify({ ...e, id: `${e.id}late` });
    const res = await postWebhook(late, signed(late));
    assert.equal(res.status, 200);
  }
  assert.deepEqual((await events(o.orderId)).map((e) => e.to_status), ['awaiting_payment', 'paid', 'refunded']);
  const processed = await store.ctx.db.selectFrom('payment_event').select('event_id').where('order_id', '=', o.orderId).execute();
  assert.ok(processed.length >= 4);
});

test('a webhook with a bad signature or an old timestamp is refused (400) and recorded', async () => {
  const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_test_x', object: 'checkout.session' } } });
  const before = (await store.ctx.db.selectFrom('payment_webhook_rejection').select('reason').execute()).length;
  const forged = await postWebhook(payload, signed(payload, undefined, 'whsec_wrongsecret'));
  assert.equal(forged.status, 400);
  assert.equal(forged.body.outcome, 'signature');
  const stale = await postWebhook(payload, signed(payload, Math.floor(Date.now() / 1000) - 6 * 60));
  assert.equal(stale.status, 400);
  assert.equal(stale.body.outcome, 'timestamp');
  const unsigned = await fetch(`${store.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
  assert.equal(unsigned.status, 400);
  const reasons = (await store.ctx.db.selectFrom('payment_webhook_rejection').select('reason').orderBy('id').execute()).slice(before).map((r) => r.reason);
  assert.deepEqual(reasons, ['signature', 'timestamp', 'signature']);
  assert.equal(await store.ctx.db.selectFrom('payment_event').select('event_id').where('event_id', '=', 'evt_forged').executeTakeFirst(), undefined);
});

test('refunds: partial then the rest, through the provider; a double submit refunds once; staff page shows brand and last 4', async () => {
  const o = await placeCardOrder(store, { price: 5_000, stock: 2 });
  await payOnGateway(o.payUrl, visa);
  await settle();
  const { client: staff } = await staffClient(store, 'owner');
  const page = await staff.get(`/admin/orders/${o.orderId}`);
  assert.match(page.text, /VISA •••• 4242/);
  assert.match(page.text, /data-card-status="paid"/);
  const [a, b] = await Promise.all([
    staff.postForm(`/admin/orders/${o.orderId}/card/refund`, { amount: '1000' }),
    staff.postForm(`/admin/orders/${o.orderId}/card/refund`, { amount: '1000' }),
  ]);
  assert.deepEqual([a.location, b.location].sort(), [`/admin/orders/${o.orderId}?card=refunded`, `/admin/orders/${o.orderId}?card=replayed`].sort());
  await settle();
  let p = await payment(o.orderId);
  assert.equal(p.amount_refunded, 1_000);
  assert.equal(p.status, 'partially_refunded');
  assert.equal(await orderStatus(o.orderId), 'paid');
  assert.equal((await staff.postForm(`/admin/orders/${o.orderId}/card/refund`, { amount: '999999' })).location, `/admin/orders/${o.orderId}?card=amount`);
  assert.equal((await staff.postForm(`/admin/orders/${o.orderId}/card/refund`, { amount: '' })).location, `/admin/orders/${o.orderId}?card=refunded`);
  await settle();
  p = await payment(o.orderId);
  assert.equal(p.amount_refunded, p.amount);
  assert.equal(await orderStatus(o.orderId), 'refunded');
  const refunds = await store.ctx.db.selectFrom('payment_refund').select(['amount', 'provider_refund_id']).where('order_id', '=', o.orderId).orderBy('id').execute();
  assert.deepEqual(refunds.map((r) => r.amount), [1_000, p.amount - 1_000]);
  assert.ok(refunds.every((r) => r.provider_refund_id?.startsWith('re_')));
  // Refunds need orders.write: customer support can look but not refund.
  const { client: support } = await staffClient(store, 'customer_support');
  assert.equal((await support.postForm(`/admin/orders/${o.orderId}/card/refund`, { amount: '1' })).status, 403);
  assert.doesNotMatch((await support.get(`/admin/orders/${o.orderId}`)).text, /card\/refund/);
});

test('card testing: the same card declined three times closes the session; a cart starting too many payments is refused', async () => {
  const o = await placeCardOrder(store);
  for (let i = 0; i < 3; i++) {
    const res = await payOnGateway(o.payUrl, declined).catch(() => null);
    await settle();
    if (i < 2) assert.equal(res?.status, 402);
  }
  assert.equal(await orderStatus(o.orderId), 'cancelled');
  assert.equal(stateOf((await o.client.get(`/checkout/card/return?order=${o.number}`)).text), 'limited');
  assert.equal((await fetch(o.payUrl)).status, 410);
  const limited = await store.ctx.db.selectFrom('payment_attempt').select('reason').where('kind', '=', 'limited').where('session_id', '=', o.sessionId).execute();
  assert.equal(limited.length, 1);

  // Per cart: five starts an hour, then the checkout explains and places nothing.
  const c = new TestClient(store.url);
  for (let i = 0; i < 5; i++) await placeCardOrder(store, { client: c });
  const orders = await store.ctx.db.selectFrom('orders').select('id').execute();
  const { createTestVariant } = await import('../../cart/test-products.ts');
  const { reviewAndPlace, validForm } = await import('../../checkout/test-helpers.ts');
  await c.postForm('/cart/items', { variant_id: await createTestVariant(store.ctx.db), quantity: 1 });
  const { placed } = await reviewAndPlace(c, { ...validForm, payment_method: 'card' });
  assert.equal(placed.status, 429);
  assert.match(placed.text, /お支払いの試行回数が上限に達しました|安全のため/);
  assert.equal((await store.ctx.db.selectFrom('orders').select('id').execute()).length, orders.length);
  assert.ok(await store.ctx.db.selectFrom('payment_attempt').select('id').where('kind', '=', 'limited').where('reason', '=', 'cart_starts').executeTakeFirst());
});

test('the JSON API places a card order and answers with the hosted page as next_step', async () => {
  const { createTestVariant } = await import('../../cart/test-products.ts');
  const api = new TestClient(store.url);
  const { token } = (await api.json('POST', '/api/store/carts')).json<{ token: string }>();
  const headers = { 'x-cart-token': token };
  await api.json('POST', '/api/store/cart/items', { variant_id: await createTestVariant(store.ctx.db), quantity: 1 }, headers);
  const res = await api.json(
    'POST',
    '/api/store/checkout',
    { email: 'api@example.jp', shipping_address: { name: '山田 太郎', name_kana: 'ヤマダ タロウ', postal_code: '1500001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '03-1234-5678' }, shipping_method: 'standard', payment_method: 'card' },
    { ...headers, 'idempotency-key': `card-api-${Date.now()}-abcdef` },
  );
  assert.equal(res.status, 201, res.text);
  const placed = res.json<{ status: string; next_step: { kind: string; url: string } }>();
  assert.equal(placed.status, 'awaiting_payment');
  assert.equal(placed.next_step.kind, 'redirect');
  assert.equal(new URL(placed.next_step.url).origin, store.gateway!.origin);
});
