import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import type { TestStore } from '../../../test/harness.ts';
import { t } from './messages.ts';
import { t as methodText } from '../../orders/payment-methods/messages.ts';
import { payOnGateway, placeCardOrder, startCardStore } from './test-helpers.ts';
import { stripeTestCards } from '../../../test/fixtures/cards.ts';

/** "Pay now": an order still awaiting its card payment can be paid again from the order page. */

let store: TestStore;
before(async () => {
  store = await startCardStore();
});
after(() => store.close());

const { visa, threeDsChallenge: threeDs } = stripeTestCards;

const payNowHref = (number: string) => `/checkout/card/pay?order=${number}`;
const orderStatus = async (id: number) => (await store.ctx.db.selectFrom('orders').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

test('after an abandoned 3-D Secure challenge the order page offers "pay now", which leads back to the provider page; once paid it is refused', async () => {
  const o = await placeCardOrder(store);
  const abandoned = await payOnGateway(o.payUrl, threeDs, 'abandon');
  assert.equal(abandoned.challenged, true);
  await store.gateway!.settle();
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');

  const page = await o.client.get(`/orders/${o.number}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`href="${payNowHref(o.number)}"`), 'the order page links to pay now');
  assert.ok(page.text.includes(methodText('ja', 'cardPayNow')));

  const resume = await o.client.get(payNowHref(o.number));
  assert.equal(resume.status, 303);
  assert.equal(resume.location, o.payUrl, 'the same session on the provider page');
  const paid = await payOnGateway(resume.location!, visa);
  assert.equal(paid.status, 303);
  await store.gateway!.settle();
  assert.equal(await orderStatus(o.orderId), 'paid');

  const after = await o.client.get(`/orders/${o.number}`);
  assert.ok(!after.text.includes(payNowHref(o.number)), 'no pay-now link on a paid order');
  const again = await o.client.get(payNowHref(o.number));
  assert.equal(again.status, 409);
  assert.ok(again.text.includes(t('ja', 'notPayable')));
});

test('a cancelled order is no longer payable, and nobody but the browser that placed the order gets anywhere', async () => {
  const o = await placeCardOrder(store);
  const stranger = await new TestClient(store.url).get(payNowHref(o.number));
  assert.equal(stranger.status, 404, 'another browser: the same 404 as for an order that does not exist');
  assert.equal((await o.client.postForm('/checkout/card/cancel', { order: o.number })).status, 303);
  await store.gateway!.settle();
  assert.equal(await orderStatus(o.orderId), 'cancelled');
  const refused = await new TestClient(store.url, { 'accept-language': 'en' }).get(payNowHref(o.number));
  assert.equal(refused.status, 404);
  const own = await o.client.get(payNowHref(o.number), { 'accept-language': 'en' });
  assert.equal(own.status, 409);
  assert.ok(own.text.includes(t('en', 'notPayable')));
});

test('while the file-integrity check fails, pay now is refused with a clear message (T1: fail closed)', async () => {
  const o = await placeCardOrder(store);
  // A web shell dropped into the verified tree: a finding, and card checkout closes.
  writeFileSync(join(process.env.INTEGRITY_ROOT!, 'src', 'shell.ts'), 'export {};\n');
  await store.services.integrity.verifyNow({ full: true });
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, false);
  const refused = await o.client.get(payNowHref(o.number));
  assert.equal(refused.status, 409);
  assert.ok(refused.text.includes(t('ja', 'unavailable')));
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment', 'nothing changed');
});
