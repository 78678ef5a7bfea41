import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { createTestVariant } from '../../cart/test-products.ts';
import { reviewAndPlace, validForm } from '../../checkout/test-helpers.ts';
import { integrityConfig } from '../../integrity/config.ts';
import { createBaseline } from '../../integrity/files/manifest.ts';
import type { Logger } from 'pino';
import type { Config } from '../../platform/config.ts';

/**
 * A test store whose card checkout is enabled: T1 card checkout runs only while the file-integrity check
 * passes, so the store gets a signed baseline of a tiny code tree of its own (never the real repository).
 */
export async function startCardStore(opts: { seed?: boolean; config?: Partial<Config>; /** the store's logger, made for its DATA_DIR */ logger?: (dataDir: string) => Logger } = {}): Promise<TestStore> {
  const work = mkdtempSync(join(tmpdir(), 'omamori-card-'));
  const tree = join(work, 'tree');
  mkdirSync(join(tree, 'src'), { recursive: true });
  writeFileSync(join(tree, 'src', 'placeholder.ts'), 'export {};\n');
  process.env.INTEGRITY_ROOT = tree;
  process.env.INTEGRITY_INTERVAL_SECONDS = '60';
  const data = join(work, 'data');
  await createBaseline(integrityConfig({ dataDir: data }));
  const store = await startTestStore({ seed: opts.seed ?? false, config: { dataDir: data, ...opts.config }, ...(opts.logger ? { logger: opts.logger(data) } : {}) });
  const t0 = Date.now();
  while (!store.services.integrity.cardCheckoutAllowed().allowed) {
    if (Date.now() - t0 > 30_000) throw new Error(`card checkout stays disabled: ${store.services.integrity.cardCheckoutAllowed().reason}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    ...store,
    async close() {
      await store.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A guest with one item in the cart who placed a card order: where checkout sent them (the hosted page). */
export async function placeCardOrder(store: TestStore, opts: { price?: number; stock?: number; client?: TestClient } = {}) {
  const variantId = await createTestVariant(store.ctx.db, { price: opts.price ?? 3_000, ...(opts.stock !== undefined ? { stock: opts.stock } : {}) });
  const c = opts.client ?? new TestClient(store.url);
  assert.equal((await c.postForm('/cart/items', { variant_id: variantId, quantity: 1 })).status, 303);
  const { placed } = await reviewAndPlace(c, { ...validForm, payment_method: 'card' });
  assert.equal(placed.status, 303, placed.text.slice(0, 500));
  const payUrl = placed.location!;
  const order = await store.ctx.db.selectFrom('card_payment').innerJoin('orders', 'orders.id', 'card_payment.order_id').select(['orders.id', 'orders.number', 'orders.status', 'card_payment.session_id']).orderBy('card_payment.id', 'desc').executeTakeFirstOrThrow();
  return { client: c, payUrl, orderId: order.id, number: order.number, sessionId: order.session_id, variantId };
}

/** A tiny browser for the gateway's pages: follows its forms like a shopper (no redirects followed). */
export async function gatewayRequest(url: string, form?: Record<string, string>): Promise<{ status: number; location: string | null; text: string }> {
  const origin = new URL(url).origin;
  const res = await fetch(url, form ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: new URLSearchParams(form), redirect: 'manual' } : { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

const formToken = (text: string) => /name="form_token" value="([^"]+)"/.exec(text)?.[1] ?? '';

/**
 * Pays on the hosted page with a test card. `challenge` answers the 3-D Secure page ('abandon' stops there).
 * Returns where the gateway finally sends the shopper (the store's return URL) or the page it shows.
 */
export async function payOnGateway(payUrl: string, number: string, challenge: 'complete' | 'fail' | 'abandon' = 'complete') {
  const form = await gatewayRequest(payUrl);
  assert.equal(form.status, 200, form.text);
  const paid = await gatewayRequest(payUrl, { form_token: formToken(form.text), number, exp: '12/34', cvc: '123', name: 'HANAKO YAMADA' });
  if (paid.status === 303 && paid.location?.includes('/3ds')) {
    const challengeUrl = new URL(paid.location, payUrl).toString();
    const page = await gatewayRequest(challengeUrl);
    assert.match(page.text, /3-D Secure/);
    if (challenge === 'abandon') return { challenged: true, ...page };
    return { challenged: true, ...(await gatewayRequest(challengeUrl, { form_token: formToken(page.text), action: challenge })) };
  }
  return { challenged: false, ...paid };
}
