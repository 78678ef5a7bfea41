import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../../../test/browser.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { insertCustomerRecord } from '../customers/customer-data.ts';
import { hashPassword } from '../passwords.ts';
import { totpCodeForStep, totpStepAt } from './totp.ts';

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

const password = 'yuzu shiratama zenzai';

test('in a real browser: a customer turns on 2FA from the account page, then signs in with a code', async () => {
  await insertCustomerRecord(store.ctx, { email: 'kenta@example.jp', name: '鈴木 健太', password_hash: await hashPassword(password) });
  const page = await browser.newPage();
  await page.goto(`${store.url}/account/sign-in`);
  await page.fill('#email', 'kenta@example.jp');
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
  await page.waitForURL(`${store.url}/account`);

  await page.click('main a[href="/account/2fa"]');
  await page.click('main a[href="/account/2fa/setup"]');
  assert.equal(await page.locator('.totp-qr svg').count(), 1, 'the QR code is shown');
  const secret = (await page.locator('#totp-secret').getAttribute('data-secret'))!;
  await screenshot(page, 'identity-customer-2fa-setup');
  const now = totpStepAt(Date.now());
  await page.fill('#current_password', password);
  await page.fill('#code', await totpCodeForStep(secret, now));
  await page.click('main form[action="/account/2fa/setup"] button[type=submit]');
  assert.equal(await page.locator('#recovery-codes li').count(), 10, 'recovery codes, once');
  await screenshot(page, 'identity-customer-2fa-recovery-codes');
  await page.click('main a.btn-primary');
  await page.waitForURL(`${store.url}/account`);
  await page.click('main form[action="/account/sign-out"] button[type=submit]');
  await page.waitForURL(`${store.url}/`);

  await page.goto(`${store.url}/account/sign-in`);
  await page.fill('#email', 'kenta@example.jp');
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
  await page.waitForURL(/\/account\/sign-in\/2fa/);
  // The code of the enrolment cannot be used again (replay): a wrong or reused code is refused.
  await page.fill('#code', await totpCodeForStep(secret, now));
  await page.click('main button[type=submit]');
  assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
  await page.fill('#code', await totpCodeForStep(secret, now + 1));
  await page.click('main button[type=submit]');
  await page.waitForURL(`${store.url}/account`);
  assert.match((await page.textContent('main')) ?? '', /鈴木 健太/);
});
