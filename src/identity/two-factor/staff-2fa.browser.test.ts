import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../../../test/browser.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { insertStaff } from '../staff/staff-accounts.ts';

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

test('in a real browser: a new staff member is forced through TOTP enrolment, kept to their role, and signed out when idle', async () => {
  const staffId = (await insertStaff(store.ctx.db, { name: '編集 花子', email: 'editor@example.jp', role: 'content_editor', password: 'editor passphrase 1' }))!;
  const page = await (await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${store.url}/admin/products`);
  await page.waitForURL(/\/admin\/sign-in\?next=/);
  await page.fill('#email', 'editor@example.jp');
  await page.fill('#password', 'editor passphrase 1');
  await page.click('main button[type=submit]');

  // Enrolment is forced; nothing else is reachable meanwhile.
  await page.waitForURL(/\/admin\/2fa\/setup\?next=%2Fadmin%2Fproducts/);
  assert.equal(await page.locator('.totp-qr svg').count(), 1, 'the QR code is shown');
  await screenshot(page, 'admin-2fa-enrolment');
  await page.goto(`${store.url}/admin`);
  await page.waitForURL(/\/admin\/2fa\/setup/);
  const secret = (await page.locator('#totp-secret').getAttribute('data-secret'))!;
  assert.equal((await page.locator('#totp-secret').textContent())!.replace(/\s/g, ''), secret, 'the secret is shown as text too');
  await page.getByLabel('認証コード').fill(await generate({ secret }));
  await page.getByRole('button', { name: '設定を完了する' }).click();
  await page.locator('#recovery-codes').waitFor();
  assert.equal(await page.locator('#recovery-codes li').count(), 10);
  await screenshot(page, 'admin-2fa-recovery-codes');
  await page.getByRole('link', { name: '保管しました。管理画面へ進む' }).click();
  // (The visit to /admin above replaced the original destination.)
  await page.waitForURL(`${store.url}/admin`);
  await page.goto(`${store.url}/admin/products`);
  assert.match((await page.textContent('main')) ?? '', /商品/);

  // Least privilege: a content editor cannot open customers or staff.
  const customers = await page.goto(`${store.url}/admin/customers`);
  assert.equal(customers?.status(), 403);
  assert.match((await page.textContent('main')) ?? '', /この操作は許可されていません。/);
  assert.equal((await page.goto(`${store.url}/admin/staff`))?.status(), 403);
  assert.equal(await page.locator('nav.admin-nav a[href="/admin/customers"]').count(), 0, 'not in the navigation either');

  // 15 minutes idle (the session row is aged): the next page asks to sign in again.
  const idle = new Date(Date.now() - 16 * 60_000);
  await store.ctx.db.updateTable('session').set({ last_seen_at: idle, expires_at: new Date(idle.getTime() + 15 * 60_000) }).where('staff_id', '=', staffId).execute();
  await page.goto(`${store.url}/admin/products`);
  await page.waitForURL(/\/admin\/sign-in\?next=%2Fadmin%2Fproducts/);
  assert.equal((await store.ctx.db.selectFrom('session').select('id_hash').where('staff_id', '=', staffId).execute()).length, 0);
  await screenshot(page, 'admin-2fa-signed-out-idle');
});
