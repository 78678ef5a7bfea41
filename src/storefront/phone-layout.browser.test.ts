import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sessionCookieBase } from '../identity/sessions/sessions.ts';
import { launchBrowser, screenshot } from '../../test/browser.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient, staffClient } from '../../test/sessions.ts';

// Issue 16: every storefront page of the purchase flow at phone widths (360, 390, 414 px) and on a desktop,
// with no sideways scroll; screenshots in test-results/screenshots/layout-<width>-<page>.png for review.
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

const viewports = [
  { width: 360, height: 740, isMobile: true },
  { width: 390, height: 844, isMobile: true },
  { width: 414, height: 896, isMobile: true },
  { width: 1280, height: 900, isMobile: false },
];

async function fitsWidth(page: Page, name: string, width: number) {
  await page.waitForLoadState('load');
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  await screenshot(page, `layout-${width}-${name}`);
  assert.ok(scrollWidth <= innerWidth, `${name} at ${width} px scrolls sideways: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
}

async function visit(page: Page, path: string, name: string, width: number) {
  const res = await page.goto(`${store.url}${path}`);
  assert.ok(res && res.status() < 400, `${path}: ${res?.status()}`);
  await fitsWidth(page, name, width);
}

async function signedInContext(vp: (typeof viewports)[number], cookieName: string, token: string): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: vp.width, height: vp.height }, isMobile: vp.isMobile, hasTouch: vp.isMobile });
  const host = new URL(store.url).hostname;
  await context.addCookies([{ name: cookieName, value: token, domain: host, path: '/', secure: cookieName.startsWith('__Host-'), httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

for (const vp of viewports) {
  test(`storefront at ${vp.width} px: browse, cart, checkout, review, bank-transfer order, history, account pages fit the screen`, async () => {
    const { client } = await customerClient(store, { name: '佐藤 花子' });
    const cookieName = store.services.cookies.name(sessionCookieBase.store);
    const context = await signedInContext(vp, cookieName, client.cookie(cookieName)!);
    const page = await context.newPage();
    const w = vp.width;
    await visit(page, '/', 'home', w);
    await visit(page, '/products', 'product-list', w);
    await visit(page, '/products?q=%E3%82%B3%E3%83%BC%E3%83%92%E3%83%BC', 'search', w);
    await visit(page, '/c/coffee-beans', 'category', w);
    await visit(page, '/p/test-beans-8', 'product', w);
    await page.getByRole('button', { name: 'カートに入れる' }).click();
    await page.waitForURL(/\/cart/);
    await page.goto(`${store.url}/p/test-mug-10`);
    await page.getByRole('button', { name: 'カートに入れる' }).click();
    await page.waitForURL(/\/cart/);
    await fitsWidth(page, 'cart', w);
    // The line total and the delete button are on screen, not beyond a sideways scroll.
    const remove = page.getByRole('button', { name: /削除/ }).first();
    const box = (await remove.boundingBox())!;
    assert.ok(box.x + box.width <= w, `the delete button is within the screen (${box.x + box.width} <= ${w})`);

    await visit(page, '/checkout', 'checkout', w);
    await page.getByLabel('お名前', { exact: true }).fill('佐藤 花子');
    // 郵便番号から住所入力: the first-party script (SRI-pinned, CSP 'self') fills the rest as the digits are typed.
    await page.getByLabel('郵便番号').pressSequentially('1500001');
    await page.waitForFunction(() => (document.getElementById('city') as HTMLInputElement).value === '渋谷区', null, { timeout: 20_000 });
    assert.equal(await page.getByLabel('都道府県').inputValue(), '東京都');
    assert.equal(await page.getByLabel('番地').inputValue(), '神宮前');
    assert.equal(await page.getByLabel('郵便番号').inputValue(), '150-0001');
    await page.getByLabel('市区町村').fill('渋谷区神宮前');
    await page.getByLabel('番地').fill('1-2-3');
    await page.getByLabel('電話番号').fill('03-1234-5678');
    await page.locator('input[name="payment_method"][value="bank_transfer"]').check();
    await page.getByRole('button', { name: 'ご注文内容の確認へ進む' }).click();
    await page.getByRole('button', { name: '注文を確定する' }).waitFor();
    await fitsWidth(page, 'review', w);
    await page.getByRole('button', { name: '注文を確定する' }).click();
    await page.waitForURL(/\/orders\/[\w-]+$/);
    await fitsWidth(page, 'order-bank-transfer', w);
    // The bank-transfer box: each label on one line (not one character per line).
    for (const dt of await page.locator('section[aria-labelledby="payment-instructions"] dt').all()) {
      const lines = await dt.evaluate((el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)));
      assert.equal(lines, 1, `"${await dt.textContent()}" fits on one line at ${w} px`);
    }
    await visit(page, '/account/orders', 'order-history', w);
    assert.equal(await page.locator('.order-history tbody tr').count(), 1);
    await visit(page, '/account', 'account', w);
    await visit(page, '/account/addresses/new', 'address-new', w);
    await visit(page, '/legal/tokushoho', 'tokushoho', w);
    await context.close();

    const guest = await browser.newContext({ locale: 'ja-JP', viewport: { width: vp.width, height: vp.height }, isMobile: vp.isMobile });
    const guestPage = await guest.newPage();
    await visit(guestPage, '/cart', 'cart-empty', w);
    await visit(guestPage, '/account/register', 'register', w);
    await visit(guestPage, '/account/sign-in', 'sign-in', w);
    await guest.close();
  });
}

test('the console on a phone: the navigation folds behind a menu button; on a desktop it is always shown', async () => {
  const { token } = await staffClient(store, 'owner');
  const cookieName = store.services.cookies.name(sessionCookieBase.admin);
  const phone = await signedInContext(viewports[1]!, cookieName, token);
  const page = await phone.newPage();
  await visit(page, '/admin', 'admin-dashboard', 390);
  const firstLink = page.locator('.admin-nav ul a').first();
  assert.equal(await firstLink.isVisible(), false, 'folded away on a phone');
  await page.getByText('メニュー', { exact: true }).click();
  assert.equal(await firstLink.isVisible(), true, 'the menu button opens it');
  await screenshot(page, 'layout-390-admin-menu-open');
  await visit(page, '/admin/orders', 'admin-orders', 390);
  await phone.close();

  const desktop = await signedInContext(viewports[3]!, cookieName, token);
  const d = await desktop.newPage();
  await visit(d, '/admin', 'admin-dashboard', 1280);
  assert.equal(await d.locator('.admin-nav ul a').first().isVisible(), true);
  assert.equal(await d.getByText('メニュー', { exact: true }).isVisible(), false);
  await desktop.close();
});
