import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { fillGuestCheckout, fillHostedCardForm, guestAtCheckout, launchBrowser, screenshot } from '../../../test/browser.ts';
import type { TestStore } from '../../../test/harness.ts';
import { startCardStore } from './test-helpers.ts';
import { stripeTestCards } from '../../../test/fixtures/cards.ts';

// Stripe's 3-D Secure 2 test card ("authentication required")
const challengeCard = stripeTestCards.threeDsChallenge;

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startCardStore({ seed: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await store?.close();
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

test('a guest pays by card with a 3-D Secure challenge on the gateway origin; nothing of the card number reaches the store', async () => {
  const { context, page } = await guestAtCheckout(browser, store.url, 'test-mug-10');
  await fillGuestCheckout(page, 'card-guest@example.jp', 'card');
  await screenshot(page, 'card-checkout');
  await page.getByRole('button', { name: 'ご注文内容の確認へ進む' }).click();
  await page.getByRole('button', { name: '注文を確定する' }).click();

  // The hosted page: another origin than the store's, and its card form posts to that origin.
  await page.waitForURL((url) => url.origin === store.gateway!.origin);
  const storeOrigin = new URL(store.url).origin;
  assert.notEqual(new URL(page.url()).origin, storeOrigin);
  const formOrigin = await page.locator('form:has(input[name="number"])').evaluate((f) => new URL((f as HTMLFormElement).action).origin);
  assert.equal(formOrigin, store.gateway!.origin);
  assert.notEqual(formOrigin, storeOrigin);
  await fillHostedCardForm(page, challengeCard);
  await screenshot(page, 'card-hosted-page');
  await page.getByRole('button', { name: /支払う/ }).click();

  // EMV 3-D Secure challenge, still on the gateway.
  await page.waitForURL(/\/3ds$/);
  assert.equal(new URL(page.url()).origin, store.gateway!.origin);
  await screenshot(page, 'card-3ds-challenge');
  await page.getByRole('button', { name: /Complete/ }).click();

  // Back at the store: the return page reads the result from the provider and says "paid".
  await page.waitForURL((url) => url.origin === storeOrigin && url.pathname === '/checkout/card/return');
  await page.locator('[data-payment-state="paid"]').waitFor();
  assert.match((await page.textContent('main')) ?? '', /お支払いが完了しました/);
  await screenshot(page, 'card-paid');
  await store.gateway!.settle();
  // (By the card payment, not the e-mail: order e-mail addresses are stored encrypted.)
  const order = await store.ctx.db.selectFrom('orders').innerJoin('card_payment', 'card_payment.order_id', 'orders.id').select(['orders.status', 'orders.payment_method']).executeTakeFirstOrThrow();
  assert.deepEqual(order, { status: 'paid', payment_method: 'card' });
  const payment = await store.ctx.db.selectFrom('card_payment').select(['card_brand', 'card_last4']).executeTakeFirstOrThrow();
  assert.deepEqual(payment, { card_brand: 'visa', card_last4: '3220' });
  await context.close();

  // T5: every text column of every table, and every file in DATA_DIR, is free of the card number.
  const columns = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and data_type in ('text', 'character varying', 'character', 'json', 'jsonb')`.execute(store.ctx.db);
  assert.ok(columns.rows.length > 20);
  const spaced = challengeCard.replace(/(\d{4})(?=\d)/g, '$1 ');
  for (const { table_name, column_name } of columns.rows) {
    const hit = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)} where ${sql.ref(column_name)}::text like ${`%${challengeCard}%`} or ${sql.ref(column_name)}::text like ${`%${spaced}%`}`.execute(store.ctx.db);
    assert.equal(hit.rows[0]!.n, 0, `${table_name}.${column_name} holds the card number`);
  }
  for (const file of filesUnder(store.ctx.config.dataDir)) {
    const bytes = readFileSync(file);
    assert.equal(bytes.includes(challengeCard), false, file);
    assert.equal(bytes.includes(Buffer.from(challengeCard, 'utf16le')), false, file);
  }
});
