import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../../../test/browser.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { insertCustomerRecord } from '../customers/customer-data.ts';
import { hashPassword } from '../passwords.ts';

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await store?.close();
});

const password = 'kuromitsu kinako mochi';

test('in Chromium: a customer adds a passkey from the account page (password again), then signs in with it; mailed and audited', async () => {
  const { db } = store.ctx;
  const customerId = await insertCustomerRecord(store.ctx, { email: 'hana@example.jp', name: '山田 花', password_hash: await hashPassword(password) });
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });

  // No passkey yet: the autofill request finds nothing and the password form works as before.
  await page.goto(`${store.url}/account/sign-in`);
  await page.fill('#email', 'hana@example.jp');
  await page.fill('#password', password);
  await page.click('form[action="/account/sign-in"] button[type=submit]');
  await page.waitForURL(`${store.url}/account`);

  await page.click('main a[href="/account/passkeys"]');
  await page.waitForURL(`${store.url}/account/passkeys`);
  await page.getByLabel('パスキーの名前').fill('スマートフォン');
  // A wrong password adds nothing.
  await page.fill('#current-password', 'not my password');
  await page.getByRole('button', { name: 'パスキーを追加する' }).click();
  await page.locator('[data-passkey-error]:not([hidden])').waitFor();
  assert.equal((await db.selectFrom('passkey').select('id').where('customer_id', '=', customerId).execute()).length, 0);
  await page.fill('#current-password', password);
  await page.getByRole('button', { name: 'パスキーを追加する' }).click();
  await page.waitForURL(/\/account\/passkeys\?done=added/);
  assert.equal(await page.locator('[data-passkey-row]').count(), 1);
  await screenshot(page, 'store-passkeys-list');
  const audit = await db.selectFrom('audit_entry').select(['actor_type', 'actor_id']).where('action', '=', 'passkey.add').execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0]!.actor_type, 'customer');
  assert.equal(Number(audit[0]!.actor_id), customerId);
  const mails = await mailsTo(store, 'hana@example.jp', 'identity.passkey_changed');
  assert.equal(mails.length, 1);
  assert.match(mails[0]!.text_body, /スマートフォン/);

  await page.goto(`${store.url}/account`);
  // Signed out; the sign-in page signs in with the passkey (the browser's autofill request, answered by the authenticator).
  await page.click('form[action="/account/sign-out"] button[type=submit]');
  await page.waitForURL(`${store.url}/`);
  await page.goto(`${store.url}/account/sign-in`);
  await page.waitForURL(`${store.url}/account`);
  assert.match((await page.textContent('main')) ?? '', /山田 花/);

  await context.close();
});
