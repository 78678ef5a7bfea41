import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TestClient } from '../../../test/client.ts';
import type { TestStore } from '../../../test/harness.ts';
import { allMails } from '../../../test/outbox.ts';
import { staffClient } from '../../../test/sessions.ts';
import { validForm } from '../../checkout/test-helpers.ts';
import { notify } from '../../platform/db/database.ts';
import { startCardStore } from '../../payments/card/test-helpers.ts';
import { clientNetwork, CspReporters } from '../csp-reports/csp-reports.ts';
import { PageWatcher } from './page-watch.ts';

/**
 * The payment-page watcher (PCI DSS 11.6.1). Tampering is done the way it happens outside the code tree:
 * the watcher fetches the store through a reverse proxy that rewrites pages (a compromised proxy or CDN);
 * the baseline is the code's own render, which no proxy touches.
 */
type Tamper = (path: string, body: string, headers: Record<string, string | string[] | undefined>) => string;
let tamper: Tamper | null = null;
let proxy: Server;
let store: TestStore;

before(async () => {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = new URL(store.url);
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.on('end', () => {
          const headers = { ...upRes.headers };
          let body = Buffer.concat(parts).toString('utf8');
          if (tamper) body = tamper(req.url ?? '/', body, headers);
          delete headers['content-length'];
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.end(body);
        });
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  store = await startCardStore({ seed: true, config: { trustProxy: true } }); // X-Forwarded-For: CSP reports from several networks
  // From now on the watcher fetches through the proxy (INTEGRITY_PAGE_WATCH_URL); its baseline stays the code's own render.
  const addr = proxy.address() as { port: number };
  store.services.integrity.config.pageWatch.url = `http://127.0.0.1:${addr.port}`;
  store.services.integrity.pageWatch.begin(store.app, { schedule: false });
});
after(async () => {
  await store?.close();
  await new Promise((r) => proxy.close(r));
});

const watcher = () => store.services.integrity.pageWatch;
const health = async () => (await new TestClient(store.url).get('/healthz')).json<{ cardCheckout: string; cardCheckoutReason?: string }>();
const openPageFindings = () => store.ctx.db.selectFrom('integrity_finding').selectAll().where('kind', '=', 'page_changed').where('acknowledged_at', 'is', null).execute();

test('a clean store: every payment page is compared, nothing differs, and a fresh watcher (a restart) keeps the same baseline', async () => {
  const first = watcher().lastRound();
  assert.ok(first, 'the first round ran before card checkout opened');
  console.log(`page watch: first round ${Math.round(first.ms)} ms`);
  assert.deepEqual(first.compared, ['cart-empty', 'cart', 'checkout', 'review', 'payment-return'], first.notes.join('; '));
  assert.equal(first.shop, 'shopped');
  assert.deepEqual(first.differences, []);
  const again = await watcher().runNow();
  assert.deepEqual(again.differences, [], JSON.stringify(again.differences));
  assert.equal(again.problem, null);

  // A restart: a new watcher, new carts, new nonces and idempotency keys, the same digest, no new baseline.
  const before = await store.ctx.db.selectFrom('page_baseline').select('digest').execute();
  assert.equal(before.length, 1);
  const restarted = new PageWatcher(store.ctx, store.services.integrity.config, { filesVerified: async () => true, recordPageFindings: async (d) => assert.fail(`false positive: ${JSON.stringify(d)}`) });
  restarted.begin(store.app, { schedule: false });
  const r = await restarted.runNow();
  assert.equal(r.problem, null, r.notes.join('; '));
  assert.equal((await store.ctx.db.selectFrom('page_baseline').select('digest').execute()).length, 1, 'the baseline is stable across restarts');
  assert.equal((await store.ctx.db.selectFrom('alert').select('id').where('kind', '=', 'page_baseline').execute()).length, 0);
  assert.equal((await health()).cardCheckout, 'enabled');
  const carts = await store.ctx.db.selectFrom('cart_item').select('variant_id').execute().catch(() => []);
  assert.equal(carts.length, 0, "the watcher's throwaway carts are emptied");
});

test('a skimmer injected into the checkout page is a finding: alert and mail, card checkout off with a reason, back on after the fix and an acknowledgement', async () => {
  const { client: owner } = await staffClient(store, 'owner');
  tamper = (path, body) => (path.startsWith('/checkout') && !path.startsWith('/checkout/card') ? body.replace('</body>', '<script src="https://evil.example/s.js"></script></body>') : body);
  try {
    const r = await watcher().runNow();
    assert.equal(r.problem, 'pages_changed');
    const whats = r.differences.map((d) => `${d.page}: ${d.what}`);
    assert.ok(whats.some((w) => w.startsWith('checkout: added script src=https://evil.example/s.js')), whats.join('\n'));
    assert.ok(whats.some((w) => w.startsWith('review: added script src=https://evil.example/s.js')), whats.join('\n'));
    assert.ok(!whats.some((w) => w.startsWith('cart:')), 'the untouched cart page does not differ');
  } finally {
    tamper = null;
  }
  const findings = await openPageFindings();
  assert.equal(findings.length, 2);
  const h = await health();
  assert.deepEqual([h.cardCheckout, h.cardCheckoutReason], ['disabled', 'pages_changed']);
  await assertFailsClosed(owner, 'pages_changed');
  const alerts = await store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'integrity').execute();
  assert.ok(alerts.some((a) => a.severity === 'critical' && a.title.includes('evil.example')));
  await store.drainJobs();
  const mail = await allMails(store, 'security_alert'); // stored encrypted (issue 5)
  assert.ok(mail.some((m) => m.subject.includes('payment page changed')), 'the owners were mailed');

  // The page is served as approved again, but card checkout stays off until an owner acknowledges (with step-up).
  assert.equal((await watcher().runNow()).problem, null);
  assert.equal((await health()).cardCheckoutReason, 'pages_changed');
  const { client: noStepUp } = await staffClient(store, 'owner', { stepUp: false });
  const refused = await noStepUp.postForm(`/admin/security/integrity/findings/${findings[0]!.id}/acknowledge`, { note: 'x' });
  assert.equal(refused.status, 303);
  assert.match(refused.location ?? '', /step-up/);
  for (const f of findings) assert.equal((await owner.postForm(`/admin/security/integrity/findings/${f.id}/acknowledge`, { note: 'プロキシの設定を修正' })).status, 303);
  assert.equal((await health()).cardCheckout, 'enabled');
  const audit = await store.ctx.db.selectFrom('audit_entry').select('action').where('action', '=', 'integrity.acknowledge').execute();
  assert.equal(audit.length, 2, 'each acknowledgement is in the audit trail');
  assert.doesNotMatch((await owner.get('/admin')).text, /data-card-checkout-off/, 'the banner is gone');
  const form = await shopperAtCheckout();
  assert.doesNotMatch(form.page.text, /id="payment_method-card"[^>]*disabled/);
});

test('shop state is not tampering: prices, names and stock change, then everything sells out; no finding, card checkout stays on, "cannot shop" is its own state', async () => {
  const db = store.ctx.db;
  const variants = await db.selectFrom('variant').select(['id', 'stock', 'price', 'name_ja']).execute();
  const products = await db.selectFrom('product').select(['id', 'name_ja', 'name_en']).execute();
  const changed = async () => notify(db, 'catalog_changed'); // the catalog cache, as the admin's edits do
  const baselines = (await db.selectFrom('page_baseline').select('id').execute()).length;
  const { client: owner } = await staffClient(store, 'owner');
  try {
    await db.updateTable('variant').set({ price: sql`price * 3 + 7`, stock: 2, name_ja: sql`name_ja || ' 限定'` }).execute();
    await db.updateTable('product').set({ name_ja: sql`name_ja || ' 【セール】'`, name_en: sql`name_en || ' (sale)'` }).execute();
    await changed();
    const repriced = await watcher().runNow();
    assert.equal(repriced.shop, 'shopped', repriced.notes.join('; '));
    assert.equal(repriced.compared.length, 5);
    assert.deepEqual(repriced.differences, [], JSON.stringify(repriced.differences));

    // Every product sold out (as if held by unpaid orders): the watcher cannot put anything in its cart.
    await db.updateTable('variant').set({ stock: 0 }).execute();
    await changed();
    const soldOut = await watcher().runNow();
    assert.equal(soldOut.problem, null, JSON.stringify(soldOut.differences));
    assert.equal(soldOut.shop, 'cannot_shop');
    assert.deepEqual(soldOut.compared, ['cart-empty', 'payment-return'], 'the pages that do not depend on stock are still compared');
    assert.ok(soldOut.notes.includes('cannot shop: nothing purchasable'), soldOut.notes.join('; '));
    assert.equal((await openPageFindings()).length, 0);
    const h = await health();
    assert.deepEqual([h.cardCheckout, h.cardCheckoutReason], ['enabled', 'cannot_shop']);
    assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, true);
    const warning = await db.selectFrom('alert').selectAll().where('fingerprint', '=', 'page-watch:cannot-shop').executeTakeFirstOrThrow();
    assert.equal(warning.severity, 'medium');
    const page = await owner.get('/admin/security/pages');
    assert.match(page.text, /data-page-watch="cannot-shop"/);
    assert.match(page.text, /購入できる商品がありません/);
    assert.doesNotMatch((await owner.get('/admin')).text, /data-card-checkout-off/, 'no fail-closed banner');
    // A tamper while sold out is still found on the pages that do not depend on stock.
    tamper = (path, body) => (path === '/cart' ? body.replace('</body>', '<script src="https://evil.example/s.js"></script></body>') : body);
    try {
      const r = await watcher().runNow();
      assert.equal(r.problem, 'pages_changed');
      assert.deepEqual(r.differences.map((d) => d.page), ['cart-empty']);
    } finally {
      tamper = null;
    }
    for (const f of await openPageFindings()) assert.equal((await owner.postForm(`/admin/security/integrity/findings/${f.id}/acknowledge`, { note: '確認済み' })).status, 303);
    // A restart while sold out keeps the baseline (shop state never replaces it).
    const restarted = new PageWatcher(store.ctx, store.services.integrity.config, { filesVerified: async () => true, recordPageFindings: async (d) => assert.fail(`false positive: ${JSON.stringify(d)}`) });
    restarted.begin(store.app, { schedule: false });
    assert.equal((await restarted.runNow()).shop, 'cannot_shop');
    assert.equal((await db.selectFrom('page_baseline').select('id').execute()).length, baselines, 'no new baseline');
  } finally {
    for (const v of variants) await db.updateTable('variant').set({ stock: v.stock, price: v.price, name_ja: v.name_ja }).where('id', '=', v.id).execute();
    for (const p of products) await db.updateTable('product').set({ name_ja: p.name_ja, name_en: p.name_en }).where('id', '=', p.id).execute();
    await changed();
  }
  const back = await watcher().runNow();
  assert.deepEqual([back.problem, back.shop, back.compared.length], [null, 'shopped', 5], back.notes.join('; '));
  assert.equal((await health()).cardCheckoutReason, undefined);
  assert.equal((await db.selectFrom('page_baseline').select('id').execute()).length, baselines, 'stock back: still the same baseline');
});

/** A guest with an item in the cart, at the checkout form. */
async function shopperAtCheckout() {
  const c = new TestClient(store.url);
  const variant = await store.ctx.db.selectFrom('variant').select('id').where('stock', '>', 5).orderBy('id').executeTakeFirstOrThrow();
  assert.equal((await c.postForm('/cart/items', { variant_id: variant.id, quantity: 1 })).status, 303);
  return { client: c, page: await c.get('/checkout') };
}

/** T1 end to end: what the shopper, the API client and the owner see while card checkout is off. */
async function assertFailsClosed(owner: TestClient, reason: string) {
  const { client, page } = await shopperAtCheckout();
  assert.equal(page.status, 200);
  assert.match(page.text, /id="payment_method-card"[^>]*disabled/, 'card cannot be chosen');
  assert.match(page.text, /一時的にご利用いただけません/);
  assert.match(page.text, /id="payment_method-bank_transfer"(?![^>]*disabled)[^>]*>/, 'bank transfer stays on by default');
  const review = await client.postForm('/checkout/review', { ...validForm, payment_method: 'card' });
  assert.equal(review.status, 409);
  assert.match(review.text, /クレジットカードでのお支払いを一時的に停止しています/);
  assert.doesNotMatch(review.text, /action="\/checkout\/place"/, 'no way on to the card form');
  const en = await client.postForm('/checkout/review?lang=en', { ...validForm, payment_method: 'card' });
  assert.match(en.text, /Card payment is temporarily unavailable/);
  assert.equal((await client.postForm('/checkout/review', validForm)).status, 200, 'bank transfer goes on');
  // The owner's console says so on every page, with the reason.
  for (const path of ['/admin', '/admin/orders', '/admin/security/scripts']) assert.match((await owner.get(path)).text, new RegExp(`data-card-checkout-off="${reason}"`), path);
  // INTEGRITY_KEEP_OTHER_PAYMENTS=0: bank transfer and cash on delivery stop too.
  const cfg = store.services.integrity.config;
  cfg.keepOtherPaymentsOnFinding = false;
  try {
    const all = await client.get('/checkout');
    assert.match(all.text, /id="payment_method-bank_transfer"[^>]*disabled/);
    const refused = await client.postForm('/checkout/review', validForm);
    assert.equal(refused.status, 409);
    assert.match(refused.text, /ご注文の受け付けを一時的に停止しています/);
  } finally {
    cfg.keepOtherPaymentsOnFinding = true;
  }
}

test('one forged CSP report does not stop card checkout (it triggers the watcher); the same origin from 3 networks does; a browser extension does not', async () => {
  const { client: owner } = await staffClient(store, 'owner');
  const report = (doc: string, blocked: string, ip: string) =>
    fetch(`${store.url}/csp-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/csp-report', 'x-forwarded-for': ip },
      body: JSON.stringify({ 'csp-report': { 'document-uri': `${store.url}${doc}`, 'effective-directive': 'script-src-elem', disposition: 'enforce', 'blocked-uri': blocked } }),
    });
  assert.equal(store.services.integrity.config.cspFindingMinClients, 3);
  for (const ip of ['203.0.113.1', '198.51.100.1', '192.0.2.1']) assert.equal((await report('/checkout', 'chrome-extension://abcdef/inject.js', ip)).status, 204);
  for (const ip of ['203.0.113.1', '198.51.100.1', '192.0.2.1']) assert.equal((await report('/products', 'https://evil.example/s.js', ip)).status, 204);
  assert.equal((await health()).cardCheckout, 'enabled', 'an extension, or a page without payment, does not stop card checkout');

  // One forged report (and its repeats, and neighbours in the same /24): an alert and a page-watch round, no stop.
  const roundsBefore = watcher().lastRound()?.at.getTime() ?? 0;
  for (const ip of ['203.0.113.7', '203.0.113.7', '203.0.113.200']) assert.equal((await report('/checkout/review', 'https://evil.example/s.js', ip)).status, 204);
  const alert = await store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'csp_violation').where('title', 'like', '%evil.example%').executeTakeFirst();
  assert.equal(alert?.severity, 'high', 'the report still raises a high alert');
  for (let i = 0; i < 100 && (watcher().lastRound()?.at.getTime() ?? 0) === roundsBefore; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok((watcher().lastRound()?.at.getTime() ?? 0) > roundsBefore, 'the report triggered a page-watch round at once');
  assert.deepEqual(watcher().lastRound()?.differences, [], 'the pages as served are unchanged');
  assert.equal((await health()).cardCheckout, 'enabled', 'a single client network cannot switch card checkout off');
  assert.equal((await store.ctx.db.selectFrom('integrity_finding').select('id').where('kind', '=', 'csp_violation').execute()).length, 0);

  // The third distinct network reporting the same origin on payment pages: a finding, card checkout off.
  for (const ip of ['2001:db8:1:1::1', '2001:db8:1:2::9']) assert.equal((await report('/checkout', 'https://evil.example/other.js', ip)).status, 204);
  assert.equal((await health()).cardCheckout, 'enabled', 'two networks (one IPv4 /24, one IPv6 /48) are not enough');
  assert.equal((await report('/checkout/review', 'https://evil.example/s.js', '192.0.2.33')).status, 204);
  const h = await health();
  assert.deepEqual([h.cardCheckout, h.cardCheckoutReason], ['disabled', 'csp_violation']);
  await assertFailsClosed(owner, 'csp_violation');
  const f = await store.ctx.db.selectFrom('integrity_finding').selectAll().where('kind', '=', 'csp_violation').executeTakeFirstOrThrow();
  assert.equal(f.path, '/checkout/review: script-src-elem https://evil.example');
  assert.equal((await owner.postForm(`/admin/security/integrity/findings/${f.id}/acknowledge`, { note: '拡張機能ではなく攻撃を確認、対処済み' })).status, 303);
  assert.equal((await health()).cardCheckout, 'enabled');
});

test('client networks: IPv4 /24, IPv6 /48', () => {
  assert.equal(clientNetwork('203.0.113.7'), '203.0.113.0/24');
  assert.equal(clientNetwork('::ffff:203.0.113.7'), '203.0.113.0/24');
  assert.equal(clientNetwork('2001:db8:1:2::9'), '2001:db8:1::/48');
  assert.equal(clientNetwork('2001:0db8:0001:ffff:1:2:3:4'), '2001:db8:1::/48');
  assert.equal(clientNetwork('::1'), '0:0:0::/48');
  const r = new CspReporters();
  assert.deepEqual([r.add('https://a.example', '10.0.0.1', 0), r.add('https://a.example', '10.0.0.2', 1), r.add('https://a.example', '10.0.1.1', 2), r.add('https://a.example', '10.0.2.1', 25 * 3600_000)], [1, 1, 2, 1]);
});

test('a security header removed on the way is a finding', async () => {
  tamper = (path, body, headers) => {
    if (path === '/cart') delete headers['permissions-policy'];
    return body;
  };
  try {
    const r = await watcher().runNow();
    assert.deepEqual(
      r.differences.map((d) => `${d.page}: ${d.what}`),
      ['cart-empty: header permissions-policy removed', 'cart: header permissions-policy removed'],
    );
  } finally {
    tamper = null;
  }
  const { client: owner } = await staffClient(store, 'owner');
  for (const f of await openPageFindings()) await owner.postForm(`/admin/security/integrity/findings/${f.id}/acknowledge`, { note: '確認済み' });
  await watcher().runNow();
  assert.equal((await health()).cardCheckout, 'enabled');
});

test('approving a new baseline needs step-up and an owner, and is audited; the watcher page shows the state', async () => {
  const { client: noStepUp } = await staffClient(store, 'owner', { stepUp: false });
  const page = await noStepUp.get('/admin/security/pages');
  assert.equal(page.status, 200);
  assert.match(page.text, /data-page-watch="ok"/);
  const refused = await noStepUp.postForm('/admin/security/pages/baseline', {});
  assert.equal(refused.status, 303);
  assert.match(refused.location ?? '', /step-up/);
  const { client: admin } = await staffClient(store, 'administrator');
  assert.equal((await admin.postForm('/admin/security/pages/baseline', {})).status, 403);
  const { client: owner } = await staffClient(store, 'owner');
  const done = await owner.postForm('/admin/security/pages/baseline', {});
  assert.equal(done.status, 303);
  const rows = await store.ctx.db.selectFrom('page_baseline').select(['source', 'approved_by']).orderBy('id', 'desc').execute();
  assert.equal(rows[0]!.source, 'approved');
  assert.ok(rows[0]!.approved_by);
  const audit = await store.ctx.db.selectFrom('audit_entry').select(['action']).where('action', '=', 'integrity.page_baseline_approve').execute();
  assert.equal(audit.length, 1);
  assert.equal((await health()).cardCheckout, 'enabled');
});
