import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join(process.cwd(), 'test-results', 'screenshots');

/** Debian's Chromium, headless, with background networking off (this machine has no Internet). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Saves a full-page screenshot for reviewers (test-results/screenshots/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Fills the storefront's checkout form as a guest in Tokyo (Japanese labels) and picks the payment method. */
export async function fillGuestCheckout(page: Page, email: string, paymentMethod: 'card' | 'bank_transfer' | 'cod'): Promise<void> {
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('お名前', { exact: true }).fill('佐藤 花子');
  await page.getByLabel('郵便番号').fill('150-0001');
  await page.getByLabel('都道府県').selectOption('東京都');
  await page.getByLabel('市区町村').fill('渋谷区神宮前');
  await page.getByLabel('番地').fill('1-2-3');
  await page.getByLabel('電話番号').fill('03-1234-5678');
  await page.locator(`input[name="payment_method"][value="${paymentMethod}"]`).check();
}

/** A new Japanese-locale browser context with one product in a guest cart, on the checkout form. */
export async function guestAtCheckout(browser: Browser, storeUrl: string, productSlug: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${storeUrl}/p/${productSlug}`);
  await page.getByRole('button', { name: 'カートに入れる' }).click();
  await page.waitForURL(/\/cart/);
  await page.goto(`${storeUrl}/checkout`);
  return { context, page };
}

/** Types a card into the payment provider's hosted page (the sandbox gateway's labels). */
export async function fillHostedCardForm(page: Page, cardNumber: string): Promise<void> {
  await page.getByLabel(/カード番号/).fill(cardNumber);
  await page.getByLabel(/有効期限/).fill('12/34');
  await page.getByLabel(/セキュリティコード/).fill('123');
  await page.getByLabel(/カード名義/).fill('HANAKO SATO');
}
