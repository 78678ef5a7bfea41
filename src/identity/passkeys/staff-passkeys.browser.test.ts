import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../../../test/browser.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { startPhishingProxy } from '../../../test/phishing-proxy.ts';
import { freshTotpCode, staffClient } from '../../../test/sessions.ts';

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

/** A page with a virtual platform authenticator (DevTools WebAuthn domain): resident keys, user verification. */
async function pageWithAuthenticator(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return page;
}

async function signInWithCode(page: Page, base: string, email: string, password: string, staffId: number, secret: string) {
  await page.goto(`${base}/admin/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form[action="/admin/sign-in"] button[type=submit]');
  await page.waitForURL(/\/admin\/2fa/);
  await page.fill('#code', await freshTotpCode(store.ctx.db, staffId, secret));
  await page.click('main button[type=submit]');
  await page.waitForURL(`${base}/admin`);
}

test('in Chromium: a staff member adds a passkey after a step-up, signs in with it alone, steps up with it; the owner requires passkeys; a look-alike origin is refused', async () => {
  const { db } = store.ctx;
  const password = 'owner passphrase for passkeys';
  const owner = await staffClient(store, 'owner', { password, stepUp: false });
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await pageWithAuthenticator(context);

  // Without a passkey yet: password + code, as before.
  await signInWithCode(page, store.url, owner.email, password, owner.staffId, owner.totpSecret);

  // Adding a passkey needs a step-up first (password + code here, since there is no passkey yet).
  await page.goto(`${store.url}/admin/passkeys/new`);
  await page.waitForURL(/\/admin\/step-up\?next=%2Fadmin%2Fpasskeys%2Fnew/);
  assert.equal(await page.getByRole('button', { name: 'パスキーで本人確認' }).count(), 0, 'no passkey button without a passkey');
  await page.fill('#password', password);
  await page.fill('#code', await freshTotpCode(db, owner.staffId, owner.totpSecret));
  await page.click('form[action="/admin/step-up"] button[type=submit]');
  await page.waitForURL(`${store.url}/admin/passkeys/new`);
  await page.getByLabel('パスキーの名前').fill('仕事用ノートPC');
  await page.getByRole('button', { name: 'パスキーを追加する' }).click();
  await page.waitForURL(/\/admin\/passkeys\?done=added/);
  assert.match((await page.textContent('main')) ?? '', /パスキー「仕事用ノートPC」を追加しました。/);
  assert.equal(await page.locator('[data-passkey-row]').count(), 1);
  await screenshot(page, 'admin-passkeys-list');
  const stored = await db.selectFrom('passkey').selectAll().where('staff_id', '=', owner.staffId).execute();
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.name, '仕事用ノートPC');
  const audit = await db.selectFrom('audit_entry').select(['action', 'object_type']).where('action', '=', 'passkey.add').execute();
  assert.equal(audit.length, 1, 'audited');
  const mails = await db.selectFrom('mail_outbox').select('kind').where('kind', '=', 'identity.passkey_changed').execute();
  assert.equal(mails.length, 1, 'mailed to the staff member');

  // Signed out, then in with the passkey alone: no e-mail, no password, no code. The sign-in page asks for
  // passkeys through the browser's autofill (conditional UI), which the virtual authenticator answers at once.
  await page.click('form[action="/admin/sign-out"] button');
  await page.waitForURL(`${store.url}/admin`);
  assert.match((await page.textContent('header')) ?? '', /スタッフ/);
  const used = await db.selectFrom('passkey').select(['last_used_at', 'sign_count']).where('staff_id', '=', owner.staffId).executeTakeFirstOrThrow();
  assert.ok(used.last_used_at, 'last use recorded');

  // Step-up with the passkey (the button: no autofill on this page).
  await page.goto(`${store.url}/admin/passkeys/new`);
  await page.waitForURL(/\/admin\/step-up/);
  await page.getByRole('button', { name: 'パスキーで本人確認' }).click();
  await page.waitForURL(`${store.url}/admin/passkeys/new`);
  await screenshot(page, 'admin-passkeys-add');

  // The owner's switch; the overview counts staff with a passkey.
  await page.goto(`${store.url}/admin/passkeys`);
  await page.getByRole('button', { name: '必須にする' }).click();
  await page.waitForURL(`${store.url}/admin/passkeys`);
  assert.equal(await page.locator('[data-passkeys-required]').getAttribute('data-passkeys-required'), 'true');
  assert.match((await page.textContent('main')) ?? '', /パスキーを登録しているスタッフ: 1 人中 1 人/);
  await page.goto(`${store.url}/admin/security`);
  assert.match((await page.textContent('main')) ?? '', /パスキー必須の設定です。1 人中 1 人がパスキーを登録済みです。/);
  await screenshot(page, 'admin-passkeys-overview');

  // With passkeys required, a code still signs in (the way back for a lost passkey) but is raised.
  const second = await browser.newContext({ locale: 'ja-JP', javaScriptEnabled: false });
  const noScript = await second.newPage();
  await signInWithCode(noScript, store.url, owner.email, password, owner.staffId, owner.totpSecret);
  assert.equal(await noScript.locator('[data-passkey-only]').count(), 0, 'signed in without JavaScript');
  const fallback = await db.selectFrom('staff_security_event').select(['action', 'detail']).where('target_staff_id', '=', owner.staffId).where('action', '=', 'passkey_fallback').execute();
  assert.equal(fallback.length, 1);
  await second.close();

  // A look-alike site relaying the console: the browser signs its own origin, the server refuses it.
  const proxy = await startPhishingProxy(store.url);
  try {
    await context.clearCookies();
    const sessionsBefore = (await db.selectFrom('session').select('id_hash').where('staff_id', '=', owner.staffId).execute()).length;
    // The autofill request starts at once (as above); the button would run the same ceremony.
    await page.goto(`${proxy.url}/admin/sign-in`);
    await page.locator('[data-passkey-error]:not([hidden])').first().waitFor();
    assert.match((await page.locator('[data-passkey-error]:not([hidden])').first().textContent()) ?? '', /受け付けられませんでした/);
    assert.match(page.url(), /\/admin\/sign-in/);
    const sessionsAfter = (await db.selectFrom('session').select('id_hash').where('staff_id', '=', owner.staffId).execute()).length;
    assert.equal(sessionsAfter, sessionsBefore, 'no session for the relayed ceremony');
    // Refused by the signature check of the origin (not by the CSRF check: the proxy rewrote Origin).
    const refusals = await db.selectFrom('audit_entry').select('detail').where('action', '=', 'staff.sign_in_failed').execute();
    assert.ok(refusals.some((r) => r.detail.includes('passkey_invalid')), JSON.stringify(refusals));
    await screenshot(page, 'admin-passkeys-lookalike-refused');
  } finally {
    await proxy.close();
  }
  await context.close();
});
