import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestStore } from '../../test/harness.ts';
import { stripeTestCards } from '../../test/fixtures/cards.ts';
import { placeCardOrder, payOnGateway, startCardStore } from '../payments/card/test-helpers.ts';
import { reviewAndPlace } from './test-helpers.ts';

// Issue 16: a card payment that did not go through is not a dead end: pay by bank transfer instead, or get the
// cart back, with stock held once and one live order.
let store: TestStore;
before(async () => {
  store = await startCardStore();
});
after(() => store.close());

const orderRow = (id: number) => store.ctx.db.selectFrom('orders').select(['status', 'payment_method']).where('id', '=', id).executeTakeFirstOrThrow();
const stockOf = async (variantId: number) => (await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', variantId).executeTakeFirstOrThrow()).stock;
const liveOrders = async (variantId: number) =>
  Number(
    (await store.ctx.db.selectFrom('orders').innerJoin('order_line', 'order_line.order_id', 'orders.id').select(store.ctx.db.fn.countAll().as('n')).where('order_line.variant_id', '=', variantId).where('orders.status', 'in', ['awaiting_payment', 'paid']).executeTakeFirstOrThrow()).n,
  );

test('declined card → pay by bank transfer instead: the card order is withdrawn, the form comes back filled in, one order placed, stock taken once', async () => {
  const o = await placeCardOrder(store, { stock: 10 });
  assert.equal(await stockOf(o.variantId), 9);
  assert.equal((await payOnGateway(o.payUrl, stripeTestCards.declined)).status, 402);
  await store.gateway!.settle();

  // The return page and the order page offer the way back, with the retry.
  const back = await o.client.get(`/checkout/card/return?order=${o.number}`);
  assert.match(back.text, /data-payment-state="failed"/);
  assert.match(back.text, /<button type="submit" name="to" value="bank_transfer" class="btn-primary">銀行振込でお支払いする<\/button>/);
  assert.match(back.text, /もう一度/);
  const page = await o.client.get(`/orders/${o.number}`);
  assert.match(page.text, /action="\/checkout\/resume"/);
  assert.doesNotMatch(page.text, /ご注文を承りました/, 'no "order received" for an unpaid card order');

  const form = await o.client.postForm('/checkout/resume', { order: o.number, to: 'bank_transfer' });
  assert.equal(form.status, 200);
  assert.match(form.text, /name="payment_method" value="bank_transfer" checked/);
  assert.match(form.text, /id="city" name="city" type="text" value="[^"]+"/);
  assert.equal((await orderRow(o.orderId)).status, 'cancelled', 'the card order is withdrawn');
  assert.equal(await stockOf(o.variantId), 10, 'its stock came back');
  assert.match((await o.client.get('/cart')).text, /value="1"/, 'the item is back in the cart once');

  // Pressing it twice changes nothing more.
  await o.client.postForm('/checkout/resume', { order: o.number, to: 'cart' });
  assert.match((await o.client.get('/cart')).text, /id="qty-\d+"[^>]*value="1"/);

  const { placed } = await reviewAndPlace(o.client, { ...formValuesOf(form.text), payment_method: 'bank_transfer' });
  assert.equal(placed.status, 303, `placed: ${placed.status}`);
  assert.equal(await stockOf(o.variantId), 9, 'stock is held once, by the new order');
  assert.equal(await liveOrders(o.variantId), 1, 'one live order');
});

test('abandoned card payment → get the cart back; a paid order cannot be withdrawn', async () => {
  const o = await placeCardOrder(store, { stock: 5 });
  const res = await o.client.postForm('/checkout/resume', { order: o.number, to: 'cart' });
  assert.equal(res.location, '/cart');
  assert.equal((await orderRow(o.orderId)).status, 'cancelled');
  assert.equal(await stockOf(o.variantId), 5);
  assert.match((await o.client.get('/cart')).text, /id="qty-\d+"[^>]*value="1"/);

  const paid = await placeCardOrder(store);
  await payOnGateway(paid.payUrl, stripeTestCards.visa);
  await store.gateway!.settle();
  assert.equal((await paid.client.postForm('/checkout/resume', { order: paid.number, to: 'cart' })).status, 404);
  assert.equal((await orderRow(paid.orderId)).status, 'paid');
  const page = await paid.client.get(`/orders/${paid.number}`);
  assert.match(page.text, /お支払いに使用したカード: <span data-card-brand>Visa<\/span> •••• <span data-card-last4>4242<\/span>/);
  const ret = await paid.client.get(`/checkout/card/return?order=${paid.number}`);
  assert.match(ret.text, /data-payment-state="paid"/);
  assert.match(ret.text, /<table class="table stacked order-lines">/, 'the return page shows the order summary');
  // Someone else's order: not found.
  const stranger = await placeCardOrder(store);
  assert.equal((await stranger.client.postForm('/checkout/resume', { order: o.number, to: 'cart' })).status, 404);
});

/** The checkout form's filled-in values, as the browser would send them. */
function formValuesOf(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of page.matchAll(/<input id="([a-z_0-9]+)" name="\1" type="(?:text|email|tel)" value="([^"]*)"/g)) out[m[1]!] = m[2]!;
  const pref = /<option value="([^"]+)" selected>/.exec(page);
  if (pref) out.prefecture = pref[1]!;
  out.shipping_method = 'standard';
  return out;
}
