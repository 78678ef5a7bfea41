import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { stripeTestCards } from '../../../test/fixtures/cards.ts';
import type { TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { staffClient } from '../../../test/sessions.ts';
import { createTestVariant } from '../../cart/test-products.ts';
import { PAN_SCAN_TASK } from '../../detection/service.ts';
import { reviewAndPlace, validForm } from '../../checkout/test-helpers.ts';
import { chooseKonbini, payOnKomoju } from '../providers/test-sandboxes.ts';
import { startCardStore } from './test-helpers.ts';

/**
 * The second provider end to end: the shop chooses KOMOJU in its settings; checkout offers コンビニ決済 and
 * card through KOMOJU's hosted page (the KOMOJU sandbox on its own origin). A konbini order waits for the cash
 * with its stock held, gets its payment number on the page and by mail, becomes paid only from the signed
 * webhook or a server-to-server read (never from the return URL), and gives its stock back past the deadline.
 */
let store: TestStore;
before(async () => {
  store = await startCardStore();
  const shop = store.services.shop;
  const settings = { ...(await shop.get()), payment_provider: 'komoju' as const, hosted_methods: ['card' as const, 'konbini' as const, 'paypay' as const, 'payeasy' as const] };
  await store.ctx.db.transaction().execute((trx) => shop.save(trx, settings));
});
after(() => store.close());

const komoju = () => store.komojuSandbox!;
const settle = () => komoju().settle();
const orderStatus = async (id: number) => (await store.ctx.db.selectFrom('orders').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const stockOf = async (variantId: number) => (await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', variantId).executeTakeFirstOrThrow()).stock;
const stateOf = (text: string) => /data-payment-state="([a-z_]+)"/.exec(text)?.[1];
const paymentRow = (orderId: number) => store.ctx.db.selectFrom('card_payment').selectAll().where('order_id', '=', orderId).orderBy('id', 'desc').executeTakeFirstOrThrow();

async function placeKomojuOrder(method: 'konbini' | 'card', email = validForm.email) {
  const variantId = await createTestVariant(store.ctx.db, { price: 3_000, stock: 5 });
  const client = new TestClient(store.url);
  assert.equal((await client.postForm('/cart/items', { variant_id: variantId, quantity: 1 })).status, 303);
  const { placed } = await reviewAndPlace(client, { ...validForm, email, payment_method: method });
  assert.equal(placed.status, 303, placed.text.slice(0, 500));
  const row = await store.ctx.db.selectFrom('card_payment').innerJoin('orders', 'orders.id', 'card_payment.order_id').select(['orders.id', 'orders.number', 'card_payment.session_id', 'card_payment.provider', 'card_payment.method']).orderBy('card_payment.id', 'desc').executeTakeFirstOrThrow();
  return { client, payUrl: placed.location!, orderId: row.id, number: row.number, sessionId: row.session_id, provider: row.provider, method: row.method, variantId };
}

test('checkout offers コンビニ決済 once the shop chooses KOMOJU; the hosted page is on the KOMOJU origin (CSP allows it)', async () => {
  const client = new TestClient(store.url);
  const variantId = await createTestVariant(store.ctx.db, { price: 1_000 });
  await client.postForm('/cart/items', { variant_id: variantId, quantity: 1 });
  const form = await client.get('/checkout');
  assert.match(form.text, /value="konbini"/);
  assert.match(form.text, /コンビニ決済/);
  assert.match(form.headers.get('content-security-policy') ?? '', new RegExp(komoju().origin.replace(/[.:/]/g, '\\$&')));
  const o = await placeKomojuOrder('konbini', 'konbini-offer@example.jp');
  assert.equal(new URL(o.payUrl).origin, komoju().origin);
  assert.deepEqual([o.provider, o.method], ['komoju', 'konbini']);
});

test('konbini: the payment number on the page and by mail; a forged return URL does not mark paid; the signed webhook does', async () => {
  const email = 'konbini-pay@example.jp';
  const o = await placeKomojuOrder('konbini', email);
  assert.equal(await stockOf(o.variantId), 4, 'the stock is held while the order waits');
  // A shopper who forges the return (any query at all) before paying: still waiting, nothing paid.
  const forged = await o.client.get(`/checkout/card/return?session_id=${o.sessionId}&status=captured&paid=1`);
  assert.notEqual(stateOf(forged.text), 'paid');
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');

  const chosen = await chooseKonbini(o.payUrl, 'lawson');
  assert.equal(chosen.status, 303);
  const back = new URL(chosen.location!);
  assert.equal(back.origin, new URL(store.url).origin);
  await settle();
  const page = await o.client.get(back.pathname + back.search);
  assert.equal(stateOf(page.text), 'awaiting', page.text.slice(0, 2000));
  const row = await paymentRow(o.orderId);
  const instructions = JSON.parse(row.pay_instructions!) as { receipt: string; confirmationCode: string };
  assert.match(instructions.receipt, /^\d{11}$/);
  assert.ok(row.pay_deadline && row.pay_deadline.getTime() > Date.now());
  assert.match(page.text, new RegExp(instructions.receipt));
  assert.match(page.text, /ローソン/);
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');

  const mails = await mailsTo(store, email, 'payments.instructions');
  assert.equal(mails.length, 1, 'the payment number is mailed once');
  assert.match(mails[0]!.text_body, new RegExp(instructions.receipt));
  assert.match(mails[0]!.text_body, /ローソン/);
  // Reading the page again mails nothing more.
  await o.client.get(back.pathname + back.search);
  assert.equal((await mailsTo(store, email, 'payments.instructions')).length, 1);

  // Forging the return again, now with the session id KOMOJU uses: still waiting for the cash.
  const again = await o.client.get(`/checkout/card/return?session_id=${o.sessionId}&status=captured`);
  assert.equal(stateOf(again.text), 'awaiting');
  assert.equal(await orderStatus(o.orderId), 'awaiting_payment');

  // The shopper pays at the store: KOMOJU's signed payment.captured makes the order paid.
  assert.ok(komoju().payAtStore(row.payment_intent_id!));
  await settle();
  assert.equal(await orderStatus(o.orderId), 'paid');
  assert.equal((await paymentRow(o.orderId)).status, 'paid');
});

test('konbini past its deadline: payment.expired cancels the order and its stock returns', async () => {
  const o = await placeKomojuOrder('konbini', 'konbini-expire@example.jp');
  await chooseKonbini(o.payUrl, 'family_mart');
  await settle();
  await o.client.get(`/checkout/card/return?order=${o.number}`);
  assert.equal(await stockOf(o.variantId), 4);
  komoju().sweep(Date.now() + 4 * 24 * 3600_000);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'cancelled');
  assert.equal(await stockOf(o.variantId), 5, 'the held stock returned');
});

test('konbini past its deadline without any webhook: the scheduled read-back cancels it and returns the stock', async () => {
  const o = await placeKomojuOrder('konbini', 'konbini-silent@example.jp');
  await chooseKonbini(o.payUrl, 'seven_eleven');
  await settle();
  komoju().setWebhooks(false);
  try {
    komoju().sweep(Date.now() + 4 * 24 * 3600_000);
    assert.equal(await orderStatus(o.orderId), 'awaiting_payment');
    await store.services.payments.card.reconcileStale(new Date(Date.now() + 2 * 3600_000));
    assert.equal(await orderStatus(o.orderId), 'cancelled');
    assert.equal(await stockOf(o.variantId), 5);
  } finally {
    komoju().setWebhooks(true);
  }
});

test('KOMOJU webhooks: a redelivery is applied once; a forged or old one is refused and recorded', async () => {
  const event = komoju().events.find((e) => e.type === 'payment.captured')!; // delivered and applied earlier
  const raw = JSON.stringify(event);
  const sign = (body: string, secret = store.ctx.config.komojuWebhookSecret) => createHmac('sha256', secret).update(body).digest('hex');
  const post = async (body: string, signature: string) => {
    const res = await fetch(`${store.url}/webhooks/komoju`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-komoju-signature': signature }, body });
    return { status: res.status, body: (await res.json()) as { outcome: string } };
  };
  assert.deepEqual(await post(raw, sign(raw)), { status: 200, body: { received: true, outcome: 'duplicate' } });
  const before = (await store.ctx.db.selectFrom('payment_webhook_rejection').select('id').execute()).length;
  assert.equal((await post(raw, sign(raw, 'not-the-secret-of-this-shop'))).status, 400);
  const old = JSON.stringify({ ...event, id: 'oldevent', created_at: new Date(Date.now() - 2 * 24 * 3600_000).toISOString() });
  assert.deepEqual(await post(old, sign(old)), { status: 400, body: { received: false, outcome: 'timestamp' } });
  assert.equal((await store.ctx.db.selectFrom('payment_webhook_rejection').select('id').execute()).length, before + 2);
});

test('card through KOMOJU with a 3-D Secure challenge: paid from the provider, brand and last 4 kept', async () => {
  const o = await placeKomojuOrder('card', 'komoju-card@example.jp');
  assert.equal(new URL(o.payUrl).origin, komoju().origin);
  const paid = await payOnKomoju(o.payUrl, stripeTestCards.threeDsChallenge, 'complete');
  assert.equal(paid.challenged, true);
  await settle();
  const back = new URL(paid.location!);
  assert.equal(stateOf((await o.client.get(back.pathname + back.search)).text), 'paid');
  assert.equal(await orderStatus(o.orderId), 'paid');
  const row = await paymentRow(o.orderId);
  assert.deepEqual([row.status, row.card_brand, row.card_last4], ['paid', 'visa', '3220']);
});

test('staff cancel a konbini order waiting for cash: the payment number is cancelled at KOMOJU, the stock returns; marking it paid by hand is refused', async () => {
  const o = await placeKomojuOrder('konbini', 'konbini-staff@example.jp');
  await chooseKonbini(o.payUrl, 'ministop');
  await settle();
  await o.client.get(`/checkout/card/return?order=${o.number}`);
  const { client } = await staffClient(store, 'owner');
  assert.equal((await client.postForm(`/admin/orders/${o.orderId}/status`, { to: 'paid', from: 'awaiting_payment', note: '' })).status, 409, 'paid comes from the provider only');
  // KOMOJU's payment.cancelled may cancel the order first: staff still see their cancel done.
  assert.equal((await client.postForm(`/admin/orders/${o.orderId}/status`, { to: 'cancelled', from: 'awaiting_payment', note: '' })).status, 303);
  await settle();
  assert.equal(await orderStatus(o.orderId), 'cancelled');
  assert.equal(await stockOf(o.variantId), 5);
  const ref = (await paymentRow(o.orderId)).payment_intent_id!;
  assert.equal(komoju().payAtStore(ref), false, 'the cancelled payment number can no longer be paid');
});

test('T5 proof on KOMOJU: after card, konbini and refused webhooks the card-number scan of the database and DATA_DIR finds nothing', async () => {
  await settle();
  await store.drainJobs();
  await store.ctx.scheduler.runNow(PAN_SCAN_TASK);
  const run = await store.ctx.db.selectFrom('pan_scan_run').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(run.status, 'clean', `${run.finds} finds: ${JSON.stringify(run.locations)} ${run.error ?? ''}`);
  assert.ok(Number(run.rows_scanned) > 10);
  // Nothing KOMOJU answered or sent held the number either.
  assert.doesNotMatch(JSON.stringify(komoju().events), new RegExp(stripeTestCards.threeDsChallenge));
});

test('the shop chooses the provider and the methods in the console settings; checkout offers exactly those', async () => {
  const { client } = await staffClient(store, 'owner');
  const page = await client.get('/admin/settings');
  assert.match(page.text, /決済代行会社/);
  assert.match(page.text, /name="hosted_methods" value="konbini" checked/);
  const s = await store.services.shop.get();
  const form = { name: s.name, tagline_ja: s.tagline_ja, tagline_en: s.tagline_en, seller: s.seller, representative: s.representative, address: s.address, phone: s.phone, email: s.email, business_hours: s.business_hours, invoice_number: s.invoice_number ?? '', bank_account: s.bank_account, bank_transfer_days: String(s.bank_transfer_days), guest_bank_transfer_hours: String(s.guest_bank_transfer_hours), shipping_days: s.shipping_days, returns_policy: s.returns_policy, free_shipping_threshold: String(s.free_shipping_threshold ?? ''), tax_rounding: s.tax_rounding };
  const saved = await client.postForm('/admin/settings', { ...form, payment_provider: 'komoju', hosted_methods_shown: '1', hosted_methods: ['card', 'konbini'] });
  assert.equal(saved.status, 303, saved.text.slice(0, 500));
  assert.deepEqual([(await store.services.shop.get()).payment_provider, (await store.services.shop.get()).hosted_methods], ['komoju', ['card', 'konbini']]);
  const shopper = new TestClient(store.url);
  await shopper.postForm('/cart/items', { variant_id: await createTestVariant(store.ctx.db, { price: 1_000 }), quantity: 1 });
  let checkout = await shopper.get('/checkout');
  assert.match(checkout.text, /value="konbini"/);
  assert.doesNotMatch(checkout.text, /value="paypay"/);
  // A method the shop does not offer is refused at review, even when posted by hand.
  const refused = await shopper.postForm('/checkout/review', { ...validForm, payment_method: 'paypay' });
  assert.equal(refused.status, 422);
  // Back to Stripe: konbini is no longer offered; card stays.
  assert.equal((await client.postForm('/admin/settings', { ...form, payment_provider: 'stripe', hosted_methods_shown: '1', hosted_methods: ['card', 'konbini'] })).status, 303);
  checkout = await shopper.get('/checkout');
  assert.doesNotMatch(checkout.text, /value="konbini"/);
  assert.match(checkout.text, /value="card"/);
});
