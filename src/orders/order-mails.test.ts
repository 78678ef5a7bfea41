import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpPeer } from '../../test/smtp-peer.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { mailsTo } from '../../test/outbox.ts';
import { draftFor, makeVariant, type TestVariant } from './test-fixtures.ts';

// Issue 16: which mail goes out when, per payment method, delivered to a real SMTP peer on loopback.
let smtp: SmtpPeer;
let store: TestStore;
let v: TestVariant;
const shopAddress = 'shop@example.jp'; // the demo shop settings' e-mail
before(async () => {
  smtp = await SmtpPeer.start();
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'omamori <shop@example.jp>' } });
  v = await makeVariant(store, { stock: 100 });
});
after(async () => {
  await store.close();
  await smtp.stop();
});

const kinds = async (to: string) => (await mailsTo(store, to)).map((m) => m.kind);
const deliveredTo = (to: string) => smtp.received.filter((m) => m.to.includes(to)).length;

test('bank transfer: the confirmation with transfer details and a new-order notice to the shop at once; "payment received" when staff record it', async () => {
  const email = 'bank-buyer@example.jp';
  const shopBefore = (await mailsTo(store, shopAddress)).length;
  const placed = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email }));
  await store.drainJobs();
  assert.deepEqual(await kinds(email), ['order.confirmation']);
  const shopMails = (await mailsTo(store, shopAddress)).slice(shopBefore);
  assert.deepEqual(shopMails.map((m) => m.kind), ['order.new_order_notice']);
  assert.match(shopMails[0]!.text_body, new RegExp(placed.number));
  assert.match(shopMails[0]!.text_body, new RegExp(`/admin/orders/${placed.id}`));
  assert.doesNotMatch(shopMails[0]!.text_body, /神宮前|0312345678|bank-buyer/, 'T4: no address or contact details in the notice');
  assert.equal(deliveredTo(email), 1);

  await store.services.orders.transition(placed.id, 'paid', null, 'transfer arrived', { expectedFrom: 'awaiting_payment' });
  await store.drainJobs();
  const mails = await mailsTo(store, email);
  assert.deepEqual(mails.map((m) => m.kind), ['order.confirmation', 'order.payment_received']);
  assert.match(mails[1]!.subject, /ご入金を確認しました/);
  assert.match(mails[1]!.text_body, /お振込みを確認いたしました/);
  assert.equal(deliveredTo(email), 2, 'both delivered over SMTP');
});

test('card: nothing at placement; the confirmation and the shop notice when the payment succeeds; nothing for an abandoned attempt', async () => {
  const email = 'card-buyer@example.jp';
  const shopBefore = (await mailsTo(store, shopAddress)).length;
  const placed = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email, paymentMethod: 'card' }));
  await store.drainJobs();
  assert.deepEqual(await kinds(email), [], 'no "thank you for your order" before the card is paid');
  assert.equal((await mailsTo(store, shopAddress)).length, shopBefore, 'the shop is not told of an unpaid card attempt');

  // The card provider's confirmation moves the order to paid (payments/card/service.ts → orders.transition).
  await store.services.orders.transition(placed.id, 'paid', null, 'card paid', { expectedFrom: 'awaiting_payment' });
  await store.drainJobs();
  const [confirmation, ...more] = await mailsTo(store, email);
  assert.equal(more.length, 0);
  assert.equal(confirmation!.kind, 'order.confirmation');
  assert.match(confirmation!.text_body, /クレジットカードでのお支払いを確認しました/);
  assert.deepEqual((await mailsTo(store, shopAddress)).slice(shopBefore).map((m) => m.kind), ['order.new_order_notice']);
  assert.equal(deliveredTo(email), 1);

  const abandoned = 'card-abandoned@example.jp';
  const second = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: abandoned, paymentMethod: 'card' }));
  await store.services.orders.transition(second.id, 'cancelled', null, 'card expired', { expectedFrom: 'awaiting_payment' });
  await store.drainJobs();
  assert.deepEqual(await kinds(abandoned), [], 'an abandoned card attempt was never confirmed, so no cancellation mail either');
});

test('cash on delivery: confirmed at once, like bank transfer', async () => {
  const email = 'cod-buyer@example.jp';
  await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email, paymentMethod: 'cod' }));
  await store.drainJobs();
  assert.deepEqual(await kinds(email), ['order.confirmation']);
});
