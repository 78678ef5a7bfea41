import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { draftFor, makeVariant, type TestVariant } from './test-fixtures.ts';

// Issue 16: order states true per payment method; the dashboard's figures and new orders; the packer reads 備考.
let store: TestStore;
let v: TestVariant;
before(async () => {
  store = await startTestStore();
  v = await makeVariant(store, { stock: 100 });
});
after(() => store.close());

const stat = (text: string, label: string) => Number(new RegExp(`<span>${label}</span><strong>(\\d+)</strong>`).exec(text)?.[1] ?? NaN);

test('each method reads true: COD waiting to ship, card payments pending or abandoned, bank transfers awaiting the money; counted once', async () => {
  const bank = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { paymentMethod: 'bank_transfer' }));
  const cod = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { paymentMethod: 'cod' }));
  const cardPending = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { paymentMethod: 'card' }));
  const cardAbandoned = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { paymentMethod: 'card' }));
  await store.services.orders.transition(cardAbandoned.id, 'cancelled', null, 'card expired');
  const cardPaid = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { paymentMethod: 'card' }));
  await store.services.orders.transition(cardPaid.id, 'paid', null, 'card paid');

  const { client } = await staffClient(store, 'owner');
  const dash = await client.get('/admin');
  assert.equal(dash.status, 200);
  assert.equal(stat(dash.text, '入金待ち（銀行振込）'), 1, 'only the bank transfer waits for money');
  assert.equal(stat(dash.text, 'カード決済待ち'), 1);
  assert.equal(stat(dash.text, '発送待ち'), 2, 'the paid card order and the COD order are to ship');
  // New orders: confirmed ones only (an unpaid or abandoned card attempt is not an order to prepare).
  const recent = /<table class="table recent-orders">[\s\S]*?<\/table>/.exec(dash.text)?.[0] ?? '';
  for (const o of [bank, cod, cardPaid]) assert.match(recent, new RegExp(`>${o.number}</a>`));
  for (const o of [cardPending, cardAbandoned]) assert.doesNotMatch(recent, new RegExp(o.number));
  assert.match(recent, /<span class="badge">新着<\/span>/);

  const list = (await client.get('/admin/orders')).text;
  const badge = (number: string) => new RegExp(`>${number}</a>[\\s\\S]*?<span class="status [^"]*"[^>]*>([^<]+)<`).exec(list)?.[1];
  assert.equal(badge(bank.number), '入金待ち（銀行振込）');
  assert.equal(badge(cod.number), '発送準備中（代金引換）');
  assert.equal(badge(cardPending.number), 'カード決済待ち');
  assert.equal(badge(cardAbandoned.number), 'カード決済未完了');
  assert.equal(badge(cardPaid.number), '決済済み（カード）');
});

test('the packer reads the customer\'s 備考 without a reveal; support still reveals it (audited); contact details stay masked', async () => {
  const order = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { note: '午前中の配達希望' }));
  const { client: packer } = await staffClient(store, 'order_operator');
  const page = await packer.get(`/admin/orders/${order.id}`);
  assert.match(page.text, /<p class="order-note">午前中の配達希望<\/p>/);
  assert.doesNotMatch(page.text, /おまもりビル|03-1234-5678|hanako@example\.jp/, 'T4: address, phone and e-mail still masked');
  const { client: support } = await staffClient(store, 'customer_support');
  const hidden = await support.get(`/admin/orders/${order.id}`);
  assert.doesNotMatch(hidden.text, /午前中の配達希望/);
  const reveals = await store.ctx.db.selectFrom('audit_entry').select('seq').where('action', '=', 'personal_data.view_unmasked').execute();
  assert.equal(reveals.length, 0, 'no reveal was recorded');
});
