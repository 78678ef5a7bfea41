import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { fillGuestCheckout, guestAtCheckout, launchBrowser, screenshot } from '../../../test/browser.ts';
import type { TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { startCardStore } from './test-helpers.ts';

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startCardStore({ seed: true });
  const shop = store.services.shop;
  await store.ctx.db.transaction().execute(async (trx) => shop.save(trx, { ...(await shop.get()), payment_provider: 'komoju', hosted_methods: ['card', 'konbini'] }));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await store?.close();
});

test('a guest chooses コンビニ決済 through the KOMOJU sandbox: payment number on the page and by mail, paid only when the store reports the cash', async () => {
  const komoju = store.komojuSandbox!;
  const { context, page } = await guestAtCheckout(browser, store.url, 'test-mug-10');
  await fillGuestCheckout(page, 'konbini-guest@example.jp', 'bank_transfer');
  await page.locator('input[name="payment_method"][value="konbini"]').check();
  await screenshot(page, 'konbini-checkout');
  await page.getByRole('button', { name: 'ご注文内容の確認へ進む' }).click();
  await page.getByRole('button', { name: '注文を確定する' }).click();

  // KOMOJU's hosted page, on its own origin.
  await page.waitForURL((url) => url.origin === komoju.origin);
  assert.notEqual(new URL(page.url()).origin, new URL(store.url).origin);
  const konbini = page.locator('form[data-method="konbini"]');
  await konbini.getByLabel(/お支払いするコンビニ/).selectOption('lawson');
  await screenshot(page, 'konbini-hosted-page');
  await konbini.getByRole('button', { name: /お支払い番号を発行する/ }).click();

  // Back at the store: waiting for the cash, with the payment number and the deadline.
  await page.waitForURL((url) => url.pathname === '/checkout/card/return');
  await page.locator('[data-payment-state="awaiting"]').waitFor();
  const text = await page.locator('main').innerText();
  const number = /お支払い番号\s*(\d{11})/.exec(text)?.[1];
  assert.ok(number, text);
  assert.match(text, /ローソン/);
  assert.match(text, /お支払い期限/);
  await screenshot(page, 'konbini-instructions');
  const order = await store.ctx.db.selectFrom('orders').select(['id', 'status']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(order.status, 'awaiting_payment');
  const mail = await mailsTo(store, 'konbini-guest@example.jp', 'payments.instructions');
  assert.match(mail[0]?.text_body ?? '', new RegExp(number));

  // The shopper pays at the store; KOMOJU's signed webhook makes the order paid.
  const payment = await store.ctx.db.selectFrom('card_payment').select('payment_intent_id').where('order_id', '=', order.id).executeTakeFirstOrThrow();
  assert.ok(komoju.payAtStore(payment.payment_intent_id!));
  await komoju.settle();
  await page.reload();
  await page.locator('[data-payment-state="paid"]').waitFor();
  await screenshot(page, 'konbini-paid');
  await context.close();
});
