import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../../../test/browser.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore();
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await store.close();
});

// Real browsers add headers (Origin, Sec-Fetch-Site, Referrer-Policy effects) that the test client does not.
test('in a real browser: first-owner setup, then a customer registers, signs in and saves an address', async () => {
  const admin = await browser.newPage();
  await admin.goto(store.setupUrl!);
  await admin.fill('#name', 'オーナー');
  await admin.fill('#email', 'owner@example.jp');
  await admin.fill('#password', 'a long owner passphrase');
  await admin.click('main button[type=submit]');
  // The first owner, too, enrols TOTP before reaching the console (code computed from the page's secret).
  await admin.waitForURL(/\/admin\/2fa\/setup/);
  const secret = (await admin.locator('#totp-secret').getAttribute('data-secret'))!;
  await admin.fill('#code', await generate({ secret }));
  await admin.click('main form[action="/admin/2fa/setup"] button[type=submit]');
  await admin.click('main a.btn-primary');
  await admin.waitForURL(`${store.url}/admin`);
  await admin.goto(`${store.url}/admin/staff`);
  assert.match(await admin.textContent('main') ?? '', /owner@example\.jp/);
  await screenshot(admin, 'identity-admin-staff');

  const shopper = await browser.newPage();
  await shopper.goto(`${store.url}/account/register`);
  await shopper.click('main button[type=submit]');
  assert.equal(await shopper.getAttribute('#email', 'aria-invalid'), 'true');
  await screenshot(shopper, 'identity-register-errors');
  await shopper.fill('#name', '山田 花子');
  await shopper.fill('#email', 'hanako@example.jp');
  await shopper.fill('#password', 'kissaten-no-mame');
  await shopper.check('#agree_terms');
  await shopper.click('main button[type=submit]');
  await shopper.waitForURL(`${store.url}/account/register/done`);
  await shopper.goto(`${store.url}/account/addresses`);
  await shopper.waitForURL(/\/account\/sign-in\?next=/);
  await shopper.fill('#email', 'hanako@example.jp');
  await shopper.fill('#password', 'kissaten-no-mame');
  await shopper.click('main button[type=submit]');
  await shopper.waitForURL(`${store.url}/account/addresses`);
  await shopper.click('main a[href="/account/addresses/new"]');
  await shopper.fill('#name', '山田 花子');
  await shopper.fill('#postal_code', '1500001');
  await shopper.selectOption('#prefecture', '東京都');
  await shopper.fill('#city', '渋谷区');
  await shopper.fill('#line1', '神宮前1-2-3');
  await shopper.fill('#phone', '0312345678');
  await shopper.click('main button.btn-primary[type=submit]');
  await shopper.waitForURL(`${store.url}/account/addresses?done=added`);
  assert.match(await shopper.textContent('main') ?? '', /神宮前1-2-3/);
  await screenshot(shopper, 'identity-address-book');
});
