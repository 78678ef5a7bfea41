import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { createOwner } from '../src/identity/staff/staff-accounts.ts';
import { fillGuestCheckout, launchBrowser, screenshot } from './browser.ts';
import { startTestStore, type TestStore } from './harness.ts';

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore({ seed: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await store.close();
});

const yen = (text: string) => Number(text.replace(/[^\d]/g, ''));

async function priceOf(slug: string): Promise<number> {
  const row = await store.ctx.db
    .selectFrom('variant')
    .innerJoin('product', 'product.id', 'variant.product_id')
    .select('variant.price')
    .where('product.slug', '=', slug)
    .executeTakeFirstOrThrow();
  return row.price;
}

async function addToCart(page: Page, slug: string) {
  await page.goto(`${store.url}/p/${slug}`);
  await page.getByRole('button', { name: 'カートに入れる' }).click();
  await page.waitForURL(/\/cart/);
}

test('a guest buys an 8% and a 10% product by bank transfer; staff find the order and mark it shipped', async () => {
  const beans = await priceOf('test-beans-8');
  const mug = await priceOf('test-mug-10');
  const shop = await store.services.shop.get();
  const shippingFee = shop.free_shipping_threshold !== null && beans + mug >= shop.free_shipping_threshold ? 0 : 800; // 東京都 is in 関東

  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${store.url}/`);
  await screenshot(page, 'store-home');
  await page.goto(`${store.url}/products`);
  await screenshot(page, 'store-product-list');
  await page.goto(`${store.url}/p/test-beans-8`);
  await screenshot(page, 'store-product-page');

  await addToCart(page, 'test-beans-8');
  await addToCart(page, 'test-mug-10');
  await page.goto(`${store.url}/cart`);
  await screenshot(page, 'store-cart');
  await page.getByRole('link', { name: 'レジに進む' }).or(page.getByRole('button', { name: 'レジに進む' })).first().click();
  await page.waitForURL(/\/checkout/);

  await fillGuestCheckout(page, 'guest@example.jp', 'bank_transfer');
  await screenshot(page, 'store-checkout');
  await page.getByRole('button', { name: 'ご注文内容の確認へ進む' }).click();
  await page.getByRole('button', { name: '注文を確定する' }).waitFor();
  await screenshot(page, 'store-checkout-review');
  await page.getByRole('button', { name: '注文を確定する' }).click();
  await page.waitForURL(/\/orders\/[\w-]+$/);
  await screenshot(page, 'store-order-confirmation');

  // Qualified invoice: totals and consumption tax per rate, rounded once per rate (floor by default).
  const row10 = (await page.locator('.tax-breakdown [data-rate="10"]').first().textContent()) ?? '';
  const row8 = (await page.locator('.tax-breakdown [data-rate="8"]').first().textContent()) ?? '';
  const taxable10 = mug + shippingFee;
  assert.match(row10, new RegExp(`${taxable10.toLocaleString('ja-JP')}`), `10% row: ${row10}`);
  assert.match(row10, new RegExp(`${Math.floor((taxable10 * 10) / 110).toLocaleString('ja-JP')}`), `10% tax: ${row10}`);
  assert.match(row8, new RegExp(`${beans.toLocaleString('ja-JP')}`), `8% row: ${row8}`);
  assert.match(row8, new RegExp(`${Math.floor((beans * 8) / 108).toLocaleString('ja-JP')}`), `8% tax: ${row8}`);
  const main = (await page.textContent('main')) ?? '';
  assert.match(main, /T1234567890123/, 'the invoice registration number is shown');
  const orderNumber = /\/orders\/([\w-]+)$/.exec(page.url())![1]!;
  await context.close();

  // Staff: sign in, find the order, mark it shipped.
  await createOwner(store.ctx.db, { name: '店長', email: 'owner@example.jp', password: 'correct horse battery staple' });
  const admin = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } })).newPage();
  await admin.goto(`${store.url}/admin`);
  await admin.waitForURL(/\/admin\/sign-in/);
  await screenshot(admin, 'admin-sign-in');
  await admin.getByLabel('メールアドレス').fill('owner@example.jp');
  await admin.getByLabel('パスワード').fill('correct horse battery staple');
  await admin.getByRole('button', { name: 'ログインする' }).click();
  // Staff 2FA is mandatory: the first sign-in enrols TOTP (secret read from the page, code computed here).
  await admin.waitForURL(/\/admin\/2fa\/setup/);
  const secret = (await admin.locator('#totp-secret').getAttribute('data-secret'))!;
  await admin.getByLabel('認証コード').fill(await generate({ secret }));
  await admin.getByRole('button', { name: '設定を完了する' }).click();
  await admin.getByRole('link', { name: '保管しました。管理画面へ進む' }).click();
  await admin.waitForURL(`${store.url}/admin`);
  await screenshot(admin, 'admin-dashboard');
  await admin.goto(`${store.url}/admin/orders`);
  await screenshot(admin, 'admin-orders');
  await admin.getByRole('link', { name: orderNumber }).click();
  await admin.waitForURL(/\/admin\/orders\/\d+$/);
  assert.equal(yen((await admin.locator('.tax-breakdown [data-rate="8"]').first().textContent()) ?? '') > 0, true);
  await screenshot(admin, 'admin-order-detail');
  // Bank transfer: the payment is recorded first; only then may the order ship.
  await admin.getByRole('button', { name: '入金済みにする' }).click();
  await admin.getByRole('button', { name: '発送済みにする' }).waitFor();
  await admin.getByRole('button', { name: '発送済みにする' }).click();
  await admin.waitForLoadState('load');
  assert.match((await admin.textContent('main')) ?? '', /発送済み/);
  await screenshot(admin, 'admin-order-shipped');
  const status = await store.ctx.db.selectFrom('orders').select('status').where('number', '=', orderNumber).executeTakeFirstOrThrow();
  assert.equal(status.status, 'shipped');

  await admin.goto(`${store.url}/admin/products`);
  await screenshot(admin, 'admin-products');

  // The storefront on a phone.
  const phone = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  await phone.goto(`${store.url}/p/test-beans-8`);
  await screenshot(phone, 'store-product-page-phone');
});
