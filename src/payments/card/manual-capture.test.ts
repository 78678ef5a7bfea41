import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestStore } from '../../../test/harness.ts';
import { staffClient } from '../../../test/sessions.ts';
import { placeCardOrder, payOnGateway, startCardStore } from './test-helpers.ts';

let store: TestStore;
before(async () => {
  store = await startCardStore({ config: { cardCapture: 'manual' } });
});
after(() => store.close());

const orderStatus = async (id: number) => (await store.ctx.db.selectFrom('orders').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const cardStatus = async (id: number) => (await store.ctx.db.selectFrom('card_payment').select('status').where('order_id', '=', id).executeTakeFirstOrThrow()).status;

test('manual capture: authorized at checkout, captured from the order page (paid) or voided (cancelled, stock back)', async () => {
  const { client: staff } = await staffClient(store, 'order_operator');
  const a = await placeCardOrder(store);
  await payOnGateway(a.payUrl, '4242424242424242');
  await store.gateway!.settle();
  assert.equal(await cardStatus(a.orderId), 'authorized');
  assert.equal(await orderStatus(a.orderId), 'awaiting_payment');
  assert.equal(/data-payment-state="([a-z_]+)"/.exec((await a.client.get(`/checkout/card/return?order=${a.number}`)).text)?.[1], 'paid');
  assert.match((await staff.get(`/admin/orders/${a.orderId}`)).text, /card\/capture/);
  assert.equal((await staff.postForm(`/admin/orders/${a.orderId}/card/capture`, {})).location, `/admin/orders/${a.orderId}?card=captured`);
  await store.gateway!.settle();
  assert.equal(await orderStatus(a.orderId), 'paid');
  assert.equal(await cardStatus(a.orderId), 'paid');
  // Capturing twice is refused, not charged twice.
  assert.equal((await staff.postForm(`/admin/orders/${a.orderId}/card/capture`, {})).location, `/admin/orders/${a.orderId}?card=state`);

  const b = await placeCardOrder(store, { stock: 4 });
  await payOnGateway(b.payUrl, '5555555555554444');
  await store.gateway!.settle();
  assert.equal(await cardStatus(b.orderId), 'authorized');
  assert.equal((await staff.postForm(`/admin/orders/${b.orderId}/card/void`, {})).location, `/admin/orders/${b.orderId}?card=voided`);
  await store.gateway!.settle();
  assert.equal(await cardStatus(b.orderId), 'voided');
  assert.equal(await orderStatus(b.orderId), 'cancelled');
  assert.equal((await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', b.variantId).executeTakeFirstOrThrow()).stock, 4);
});
