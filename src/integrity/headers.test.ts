import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { reviewAndPlace, validForm } from '../checkout/test-helpers.ts';
import { TestClient, type TestResponse } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient, staffClient } from '../../test/sessions.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ seed: true });
});
after(() => store.close());

/** Every GET route of the app, from Fastify's own route tree (so a new page is covered without editing this test). */
function getRoutes(app: FastifyInstance): string[] {
  const lines = app.printRoutes({ commonPrefix: false, method: 'GET' }).split('\n').filter((l) => l.includes('(GET'));
  const stack: Array<{ depth: number; path: string }> = [];
  const out: string[] = [];
  for (const line of lines) {
    const m = /^([\s│├└─]*)(.+?) \(GET/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length;
    while (stack.length && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1]?.path ?? '';
    const path = (parent + (parent && !parent.endsWith('/') && !m[2]!.startsWith('/') ? '/' : '') + m[2]!).replace(/\/{2,}/g, '/');
    stack.push({ depth, path });
    out.push(path);
  }
  return [...new Set(out)];
}

/** The headers every HTML response must carry (T1/T6, and personal pages out of shared caches). */
function assertHtmlHeaders(res: TestResponse, label: string) {
  const csp = res.headers.get('content-security-policy') ?? '';
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  assert.match(scriptSrc, /'nonce-[A-Za-z0-9+/=]{16,}'/, `${label}: script nonce`);
  assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval|\*|https?:/, `${label}: no unsafe or third-party script source`);
  for (const d of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'", 'report-uri /csp-reports', "default-src 'self'"]) {
    assert.ok(csp.includes(d), `${label}: CSP has ${d}`);
  }
  // Over plain HTTP, no report-to: Chromium would then ignore report-uri and send nothing (see security-headers.ts).
  assert.doesNotMatch(csp, /report-to/, `${label}: no report-to over HTTP`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${label}: nosniff`);
  assert.equal(res.headers.get('referrer-policy'), 'same-origin', `${label}: referrer policy`);
  assert.match(res.headers.get('permissions-policy') ?? '', /camera=\(\).*payment=\(\)/, `${label}: permissions policy`);
  assert.match(res.headers.get('cache-control') ?? '', /no-store/, `${label}: cache-control no-store`);
  if ((res.headers.get('content-type') ?? '').startsWith('text/html') && res.text) {
    // SRI: every script and stylesheet carries an integrity hash; inline scripts carry the nonce.
    for (const tag of res.text.match(/<script\b[^>]*>/g) ?? []) {
      if (/\bsrc=/.test(tag)) assert.match(tag, /integrity="sha384-[A-Za-z0-9+/=]{64}" crossorigin="anonymous"/, `${label}: ${tag}`);
      else if (!/type="application\/(ld\+)?json"/.test(tag)) assert.match(tag, /nonce="/, `${label}: inline ${tag}`);
    }
    for (const tag of res.text.match(/<link\b[^>]*rel="stylesheet"[^>]*>/g) ?? []) assert.match(tag, /integrity="sha384-[A-Za-z0-9+/=]{64}" crossorigin="anonymous"/, `${label}: ${tag}`);
  }
}

test('every HTML page of the storefront and the admin console carries the security headers and SRI', async () => {
  const { db } = store.ctx;
  const { client: shopper } = await customerClient(store);
  const variant = await db.selectFrom('variant').select(['id', 'product_id']).where('stock', '>', 5).orderBy('id').executeTakeFirstOrThrow();
  await shopper.postForm('/cart/items', { variant_id: variant.id, quantity: 1 });
  const { placed } = await reviewAndPlace(shopper, validForm);
  const orderNumber = /\/orders\/([^/?]+)/.exec(placed.location ?? '')?.[1];
  assert.ok(orderNumber, `an order was placed (${placed.status} ${placed.location})`);
  const { client: owner } = await staffClient(store, 'owner');

  const product = await db.selectFrom('product').select(['id', 'slug']).where('id', '=', variant.product_id).executeTakeFirstOrThrow();
  const category = await db.selectFrom('category').select(['id', 'slug']).orderBy('id').executeTakeFirstOrThrow();
  const customer = await db.selectFrom('customer').select('id').orderBy('id').executeTakeFirstOrThrow();
  const order = await db.selectFrom('orders').select('id').where('number', '=', orderNumber!).executeTakeFirstOrThrow();
  const mail = await db.selectFrom('mail_outbox').select('id').orderBy('id').executeTakeFirst();
  const address = await db.selectFrom('customer_address').select('id').orderBy('id').executeTakeFirst();
  const params: Record<string, string> = {
    '/p/:slug': product.slug,
    '/c/:slug': category.slug,
    '/orders/:number': orderNumber!,
    '/admin/products/:id': String(product.id),
    '/admin/products/:id/variants/:vid': `${product.id}|${variant.id}`,
    '/admin/categories/:id': String(category.id),
    '/admin/customers/:id': String(customer.id),
    '/admin/orders/:id': String(order.id),
    '/admin/mail/:id': String(mail?.id ?? 999999),
    '/account/addresses/:id/edit': String(address?.id ?? 999999),
  };
  function fill(route: string): string {
    for (const [pattern, value] of Object.entries(params)) {
      const prefix = pattern.split('/:')[0]!;
      if (route.startsWith(prefix) && route.includes(':')) {
        const values = value.split('|');
        let i = 0;
        route = route.replace(/:[a-z]+/g, () => values[Math.min(i++, values.length - 1)]!);
        if (!route.includes(':')) return route;
      }
    }
    return route.replace(/:[a-z]+/g, '999999'); // unknown: the 404 page is an HTML response too
  }

  const routes = getRoutes(store.app).filter((r) => !r.startsWith('/api') && !r.includes('*') && !['/healthz', '/readyz', '/favicon.ico'].includes(r) && !r.startsWith('/media/') && !r.startsWith('/static/') && !r.startsWith('/postal-code/')); // postal codes: public JSON, cacheable
  assert.ok(routes.length >= 30, `found ${routes.length} routes`);
  const checked: string[] = [];
  for (const route of routes) {
    const path = fill(route);
    const client: TestClient = route.startsWith('/admin') ? owner : shopper;
    const res = await client.get(path);
    assert.ok(res.status < 500, `${route} → ${path}: ${res.status}`);
    assertHtmlHeaders(res, `${route} (${path}, ${res.status})`);
    // form-action per context: the card provider's hosted page in the storefront only, never in the console.
    const formAction = /form-action ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
    // Every configured provider's hosted page (the Stripe-like sandbox, and the KOMOJU sandbox the store starts beside it).
    const providers = [store.gateway!.origin, store.ctx.config.komojuHostedOrigin].filter(Boolean).join(' ');
    assert.equal(formAction, route.startsWith('/admin') ? "'self'" : `'self' ${providers}`, `${route}: form-action`);
    if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/html')) checked.push(route);
  }
  // Most pages answer 200 with real data; the rest (redirects, 404s for made-up ids) were checked too.
  assert.ok(checked.length >= 25, `HTML 200 pages checked: ${checked.length}: ${checked.join(' ')}`);
  assert.ok(checked.includes('/checkout') || checked.includes('/cart'), 'a payment-related page was checked');
  assert.ok(checked.includes('/orders/:number'), 'the order confirmation page was checked');

  // Error pages and unknown URLs carry them too.
  assertHtmlHeaders(await new TestClient(store.url).get('/no-such-page'), '404');
  assertHtmlHeaders(await owner.get('/admin/no-such-page'), 'admin 404');
});

test('static files are versioned, immutable, and match the integrity hashes in the pages', async () => {
  const page = await new TestClient(store.url).get('/');
  const m = /<link rel="stylesheet" href="([^"]+)" integrity="(sha384-[^"]+)"/.exec(page.text);
  assert.ok(m, 'a stylesheet with integrity');
  assert.match(m[1]!, /^\/static\/css\/store\.css\?v=[0-9a-f]{12}$/);
  const res = await fetch(store.url + m[1]!);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('cache-control') ?? '', /max-age=31536000.*immutable|immutable.*max-age=31536000/);
  const { createHash } = await import('node:crypto');
  assert.equal(`sha384-${createHash('sha384').update(Buffer.from(await res.arrayBuffer())).digest('base64')}`, m[2]);
});

test('HSTS and the Reporting API endpoint are sent when the store is served over HTTPS, and not over plain HTTP', async () => {
  assert.equal((await new TestClient(store.url).get('/')).headers.get('strict-transport-security'), null);
  const https = await startTestStore({ config: { publicUrl: 'https://shop.example.jp' }, listen: false });
  try {
    const res = await https.app.inject({ method: 'GET', url: '/', headers: { host: 'shop.example.jp' } });
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /upgrade-insecure-requests/);
    assert.match(csp, /report-uri \/csp-reports; report-to csp/, 'the Reporting API over HTTPS, report-uri for the other browsers');
    assert.equal(res.headers['reporting-endpoints'], 'csp="/csp-reports"');
  } finally {
    await https.close();
  }
});
