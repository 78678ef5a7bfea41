import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath, screenshot } from '../../../test/browser.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { staffClient } from '../../../test/sessions.ts';

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore({ seed: true });
  // As test/browser.ts launches it, plus a short Reporting API delay (Chrome batches reports for a minute otherwise).
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--short-reporting-delay'],
  });
});
after(async () => {
  await browser?.close();
  await store?.close();
});

const probe = 'window.__probeRan = (window.__probeRan || 0) + 1;';
const probeSri = `sha384-${createHash('sha384').update(probe).digest('base64')}`;
const wrongSri = `sha384-${createHash('sha384').update('something else').digest('base64')}`;

/**
 * The attack is simulated in the browser, not in the store: the real /cart response (with its real
 * headers: CSP with this response's nonce, Reporting-Endpoints) is fetched and markup is injected into it
 * on the way to the page, as a tampered template or a stored XSS would. Nothing in the store serves
 * test-only content, so this opens no hole in production.
 */
test('an inline script without the nonce and a first-party script with a wrong SRI hash do not run; the CSP violation is reported and alerted', async () => {
  await staffClient(store, 'owner');
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.route(/\/static\/js\/probe\.js(\?|$)/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: probe }));
  await page.route(/\/cart(\?|$)/, async (route) => {
    const res = await route.fetch();
    assert.match(res.headers()['content-security-policy'] ?? '', /report-uri \/csp-reports/);
    const injected = (await res.text()).replace(
      '</body>',
      `<script>window.__inlineRan = true;</script>
<script src="/static/js/probe.js?wrong" integrity="${wrongSri}" crossorigin="anonymous"></script>
<script src="/static/js/probe.js?right" integrity="${probeSri}" crossorigin="anonymous"></script>
</body>`,
    );
    await route.fulfill({ response: res, body: injected });
  });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(`${store.url}/cart?session=should-not-be-stored`);
  await page.waitForLoadState('load');
  await screenshot(page, 'csp-injected-cart');

  assert.equal(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false), false, 'the inline script without nonce did not run');
  assert.equal(await page.evaluate(() => (window as unknown as { __probeRan?: number }).__probeRan ?? 0), 1, 'only the copy with the right integrity ran');
  assert.ok(consoleErrors.some((e) => /integrity/i.test(e)), `the browser refused the wrong hash: ${consoleErrors.join(' | ')}`);
  assert.ok(consoleErrors.some((e) => /Content Security Policy/i.test(e)), 'the browser refused the inline script');

  const t0 = Date.now();
  let row;
  while (Date.now() - t0 < 30_000) {
    row = await store.ctx.db.selectFrom('csp_report').selectAll().where('document_path', '=', '/cart').where('blocked', '=', 'inline').executeTakeFirst();
    if (row) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(row, 'the violation report arrived');
  assert.match(row.directive, /^script-src/);
  assert.equal(row.payment_page, true);
  const stored = JSON.stringify(await store.ctx.db.selectFrom('csp_report').selectAll().execute());
  assert.doesNotMatch(stored, /should-not-be-stored|__inlineRan/, 'no query and no script sample is stored');
  const alert = await store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'csp_violation').executeTakeFirst();
  assert.ok(alert, 'a new blocked source on a payment page raises an alert');
  assert.equal(alert.severity, 'high');
  await context.close();
});

async function waitForReport(s: TestStore, where: (r: { document_path: string; blocked: string }) => boolean) {
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    const rows = await s.ctx.db.selectFrom('csp_report').selectAll().execute();
    const row = rows.find(where);
    if (row) return row;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

/**
 * The production topology: TLS ends at a reverse proxy (here a small one in this test, with a throw-away
 * self-signed certificate) in front of the store (PUBLIC_URL=https://..., TRUST_PROXY=1). Over HTTPS the
 * policy names `report-to` and Chromium sends Reporting API reports (application/reports+json).
 */
test('over HTTPS behind a proxy, Chromium reports through the Reporting API (report-to, Reporting-Endpoints)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'omamori-tls-'));
  const cert = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
  if (cert.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return t.skip('openssl is not available to make a test certificate');
  }
  let upstream = 0;
  const proxy = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const fwd = http.request({ host: '127.0.0.1', port: upstream, path: req.url, method: req.method, headers: { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-for': '127.0.0.1' } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;
  const origin = `https://localhost:${port}`;
  const tls = await startTestStore({ config: { publicUrl: origin, trustProxy: true } });
  upstream = Number(new URL(tls.url).port);
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.route(/\/cart(\?|$)/, async (route) => {
      const res = await route.fetch();
      const csp = res.headers()['content-security-policy'] ?? '';
      assert.match(csp, /report-to csp/);
      assert.equal(res.headers()['reporting-endpoints'], 'csp="/csp-reports"');
      await route.fulfill({ response: res, body: (await res.text()).replace('</body>', '<script>window.__inlineRan = true;</script></body>') });
    });
    await page.goto(`${origin}/cart?token=should-not-be-stored`);
    assert.equal(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false), false);
    const row = await waitForReport(tls, (r) => r.document_path === '/cart' && r.blocked === 'inline');
    assert.ok(row, 'the Reporting API report arrived');
    assert.equal(row.payment_page, true);
    await context.close();
  } finally {
    await tls.close();
    proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
