import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { staffClient } from '../../../test/sessions.ts';
import { normalizeBlocked, normalizePath, parseCspReports, TokenBuckets } from './csp-reports.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

function legacy(documentUri: string, blocked: string, directive = 'script-src-elem') {
  return JSON.stringify({
    'csp-report': {
      'document-uri': documentUri,
      referrer: '',
      'violated-directive': directive,
      'effective-directive': directive,
      'original-policy': "default-src 'self'",
      disposition: 'enforce',
      'blocked-uri': blocked,
      'line-number': 12,
      'source-file': `${documentUri}`,
      'status-code': 200,
      'script-sample': 'var card = "4111 1111 1111 1111"',
    },
  });
}

async function post(body: string, type: string, headers: Record<string, string> = {}) {
  // Browsers send reports without cookies; a distinct address per test keeps the rate limit apart.
  const res = await fetch(`${store.url}/csp-reports`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
  return { status: res.status, text: await res.text() };
}

test('both report formats are stored de-duplicated, without queries; a new source on a payment page raises one high alert', async () => {
  await staffClient(store, 'owner');
  const a = await post(legacy(`${store.url}/checkout/review?email=hanako%40example.jp#x`, 'https://evil.example/s.js?card=4111111111111111'), 'application/csp-report');
  assert.equal(a.status, 204);
  assert.equal(a.text, '', 'nothing is reflected');
  const b = await post(
    JSON.stringify([
      {
        type: 'csp-violation',
        age: 10,
        url: `${store.url}/checkout/review?token=secret`,
        user_agent: 'Mozilla/5.0',
        body: { documentURL: `${store.url}/checkout/review?token=secret`, blockedURL: 'https://evil.example/other.js', effectiveDirective: 'script-src-elem', disposition: 'enforce', sourceFile: `${store.url}/static/js/x.js?v=1`, lineNumber: 1 },
      },
      { type: 'deprecation', body: { id: 'x' } },
      { type: 'csp-violation', url: `${store.url}/products?q=名前`, body: { documentURL: `${store.url}/products?q=名前`, blockedURL: 'inline', effectiveDirective: 'script-src-elem', disposition: 'enforce' } },
    ]),
    'application/reports+json',
  );
  assert.equal(b.status, 204);
  const rows = await store.ctx.db.selectFrom('csp_report').selectAll().orderBy('id').execute();
  assert.deepEqual(
    rows.map((r) => [r.document_path, r.directive, r.blocked, r.count, r.payment_page]),
    [
      ['/checkout/review', 'script-src-elem', 'https://evil.example', 2, true],
      ['/products', 'script-src-elem', 'inline', 1, false],
    ],
  );
  const all = JSON.stringify(rows);
  assert.doesNotMatch(all, /hanako|4111|secret|名前|\?/, 'no query, fragment or sample is stored');

  const alerts = await store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'csp_violation').execute();
  assert.equal(alerts.length, 1, 'one alert: the products page is not payment-related, the repeat is not new');
  assert.equal(alerts[0]!.severity, 'high');
  assert.match(alerts[0]!.title, /evil\.example/);
  assert.doesNotMatch(JSON.stringify(alerts[0]!.detail), /4111|hanako/);

  // An order confirmation page: the order number is not stored, the page is payment-related.
  await post(legacy(`${store.url}/orders/OM-20261121-ABCD`, 'https://cdn.evil.example/x.js'), 'application/csp-report');
  const order = await store.ctx.db.selectFrom('csp_report').select(['document_path', 'payment_page']).where('blocked', '=', 'https://cdn.evil.example').executeTakeFirstOrThrow();
  assert.deepEqual(order, { document_path: '/orders/:id', payment_page: true });
});

test('reports about other origins, malformed bodies, other media types and oversized bodies are refused without echo', async () => {
  const before = (await store.ctx.db.selectFrom('csp_report').select('id').execute()).length;
  assert.equal((await post(legacy('https://elsewhere.example/checkout', 'https://evil.example/a.js'), 'application/csp-report')).status, 204);
  const bad = await post('{"csp-report": <script>alert(1)</script>', 'application/csp-report');
  assert.equal(bad.status, 400);
  assert.equal(bad.text, '');
  assert.equal((await post('x=1', 'text/plain')).status, 415);
  const big = await post(JSON.stringify({ 'csp-report': { 'document-uri': `${store.url}/cart`, pad: 'x'.repeat(17 * 1024) } }), 'application/csp-report');
  assert.equal(big.status, 413);
  assert.equal(big.text, '');
  assert.equal((await store.ctx.db.selectFrom('csp_report').select('id').execute()).length, before);
});

test('each client is rate-limited', async () => {
  let limited = 0;
  for (let i = 0; i < 40; i++) {
    const r = await post(legacy(`${store.url}/products`, 'https://noise.example/a.js'), 'application/csp-report');
    if (r.status === 429) limited += 1;
  }
  assert.ok(limited >= 5, `some reports were refused (${limited})`);
  const buckets = new TokenBuckets(2, 1);
  assert.deepEqual([buckets.take('a', 0), buckets.take('a', 0), buckets.take('a', 0), buckets.take('b', 0), buckets.take('a', 1000)], [true, true, false, true, true]);
});

test('normalization keeps paths and origins only', () => {
  assert.equal(normalizePath('/orders/OM-2026-0001'), '/orders/:id');
  assert.equal(normalizePath('/p/test-beans-8'), '/p/test-beans-8');
  assert.equal(normalizePath('/account/reset/abcdefghijklmnopqrstuvwxyz123'), '/account/reset/:id');
  assert.equal(normalizeBlocked('https://user:pw@evil.example:8443/x.js?q=1'), 'https://evil.example:8443');
  assert.equal(normalizeBlocked('chrome-extension://abcdef/inject.js'), 'chrome-extension://abcdef');
  assert.equal(normalizeBlocked('eval'), 'eval');
  assert.equal(normalizeBlocked('javascript:alert(1)'), 'javascript');
  assert.deepEqual(parseCspReports({ 'csp-report': { 'document-uri': 'https://shop.example/cart', 'violated-directive': 'script-src <b>' } }, new Set(['https://shop.example'])), [
    { documentPath: '/cart', directive: 'script-src', blocked: 'unknown', sourceFile: null, disposition: 'enforce' },
  ]);
});

test('the admin lists reports for staff who manage settings only', async () => {
  const { client: owner } = await staffClient(store, 'owner');
  const page = await owner.get('/admin/security/csp-reports');
  assert.equal(page.status, 200);
  assert.match(page.text, /https:\/\/evil\.example/);
  assert.match(page.text, /\/checkout\/review/);
  const { client: editor } = await staffClient(store, 'content_editor');
  assert.equal((await editor.get('/admin/security/csp-reports')).status, 403);
  assert.equal((await new TestClient(store.url).get('/admin/security/csp-reports')).status, 303);
});
