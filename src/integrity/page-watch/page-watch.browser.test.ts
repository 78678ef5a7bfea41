import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromiumPath, launchBrowser, screenshot } from '../../../test/browser.ts';
import { staffClient } from '../../../test/sessions.ts';
import type { TestStore } from '../../../test/harness.ts';
import { startCardStore } from '../../payments/card/test-helpers.ts';

/** INTEGRITY_PAGE_WATCH_BROWSER=chromium: the pages rendered with their scripts run match the code's own render. */
let store: TestStore;
before(async () => {
  if (!existsSync(chromiumPath)) return;
  process.env.INTEGRITY_PAGE_WATCH_BROWSER = 'chromium';
  process.env.CHROMIUM_PATH = chromiumPath;
  store = await startCardStore({ seed: true, config: { trustProxy: true } }); // X-Forwarded-For: CSP reports from several networks
});
after(async () => {
  delete process.env.INTEGRITY_PAGE_WATCH_BROWSER;
  await store?.close();
});

test('headless Chromium renders every payment page without a false difference', { skip: existsSync(chromiumPath) ? false : `SKIPPED: no Chromium at ${chromiumPath}` }, async () => {
  const watch = store.services.integrity.pageWatch;
  const first = watch.lastRound()!;
  assert.equal(first.mode, 'chromium');
  assert.deepEqual(first.compared, ['cart-empty', 'cart', 'checkout', 'review', 'payment-return'], first.notes.join('; '));
  assert.deepEqual(first.differences, []);
  const again = await watch.runNow();
  assert.deepEqual(again.differences, [], JSON.stringify(again.differences));
  console.log(`page watch (chromium): ${Math.round(again.ms)} ms a round`);
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, true);
});

test('while card checkout is off, the shopper cannot choose card in the browser; the owner sees the banner', { skip: existsSync(chromiumPath) ? false : `SKIPPED: no Chromium at ${chromiumPath}` }, async () => {
  // A skimmer blocked on the checkout page, as the browsers of shoppers on three networks report it.
  for (const ip of ['203.0.113.1', '198.51.100.1', '192.0.2.1']) {
    await fetch(`${store.url}/csp-reports`, { method: 'POST', headers: { 'content-type': 'application/csp-report', 'x-forwarded-for': ip }, body: JSON.stringify({ 'csp-report': { 'document-uri': `${store.url}/checkout`, 'effective-directive': 'connect-src', disposition: 'enforce', 'blocked-uri': 'https://evil.example/collect' } }) });
  }
  assert.equal(store.services.integrity.cardCheckoutAllowed().reason, 'csp_violation');
  const slug = (await store.ctx.db.selectFrom('product').innerJoin('variant', 'variant.product_id', 'product.id').select('product.slug').where('variant.stock', '>', 5).orderBy('product.id').executeTakeFirstOrThrow()).slug;
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    await page.goto(`${store.url}/p/${slug}`);
    await page.click('form.add-to-cart button[type=submit]');
    await page.goto(`${store.url}/checkout`);
    assert.equal(await page.isDisabled('#payment_method-card'), true, 'card cannot be chosen');
    assert.equal(await page.isDisabled('#payment_method-bank_transfer'), false);
    assert.match(await page.textContent('label[for=payment_method-card]') ?? '', /一時的にご利用いただけません/);
    await screenshot(page, 'checkout-card-unavailable');
  } finally {
    await browser.close();
  }
  const { client: owner } = await staffClient(store, 'owner');
  const dashboard = await owner.get('/admin');
  assert.match(dashboard.text, /data-card-checkout-off="csp_violation"/);
  const f = await store.ctx.db.selectFrom('integrity_finding').select('id').where('kind', '=', 'csp_violation').executeTakeFirstOrThrow();
  assert.equal((await owner.postForm(`/admin/security/integrity/findings/${f.id}/acknowledge`, { note: '確認済み' })).status, 303);
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, true);
});
