import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** What one shopper's attempt came to: the first step that did not succeed, or the order placed. */
export interface Attempt {
  step: 'cart' | 'add' | 'checkout';
  /** HTTP status; 0 when no answer came within the client's timeout or the connection failed. */
  status: number;
  code?: string;
  retryAfter?: string | null;
  number?: string;
  quantity: number;
  at: number;
}

export const checkoutBody = (email: string) => ({
  email,
  shipping_address: { name: '佐藤 一郎', name_kana: 'サトウ イチロウ', postal_code: '530-0001', prefecture: '大阪府', city: '大阪市北区', line1: '梅田1-1-1', phone: '06-1234-5678' },
  shipping_method: 'standard',
  payment_method: 'bank_transfer',
});

async function call(base: string, method: string, path: string, body: unknown, headers: Record<string, string>, timeoutMs: number) {
  try {
    const res = await fetch(base + path, {
      method,
      headers: { accept: 'application/json', 'accept-language': 'ja', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, json, retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: 0, json: undefined, retryAfter: null };
  }
}

/** One shopper: a guest cart over the API, one item, checkout with a fresh Idempotency-Key. */
export async function shopOnce(base: string, variantId: number, quantity: number, timeoutMs = 10_000): Promise<Attempt> {
  const at = Date.now();
  const cart = await call(base, 'POST', '/api/store/carts', undefined, {}, timeoutMs);
  if (cart.status !== 201 && cart.status !== 200) return { step: 'cart', status: cart.status, code: cart.json?.error?.code, retryAfter: cart.retryAfter, quantity, at };
  const headers = { 'x-cart-token': String(cart.json.token) };
  const added = await call(base, 'POST', '/api/store/cart/items', { variant_id: variantId, quantity }, headers, timeoutMs);
  if (added.status !== 200) return { step: 'add', status: added.status, code: added.json?.error?.code, retryAfter: added.retryAfter, quantity, at };
  const placed = await call(base, 'POST', '/api/store/checkout', checkoutBody(`shopper-${randomUUID().slice(0, 8)}@example.jp`), { ...headers, 'idempotency-key': randomUUID() }, timeoutMs);
  return { step: 'checkout', status: placed.status, code: placed.json?.error?.code, retryAfter: placed.retryAfter, number: placed.json?.number, quantity, at };
}

/**
 * `clients` shoppers buying in a loop until `durationMs` has passed or `maxAttempts` were made (bounded
 * both ways). `during` runs alongside (the fault); its promise is awaited too.
 */
export async function shopUnderLoad(opts: { base: string; variantId: number; clients: number; durationMs: number; maxAttempts?: number; during?: () => Promise<void> }): Promise<Attempt[]> {
  const results: Attempt[] = [];
  const until = Date.now() + opts.durationMs;
  const max = opts.maxAttempts ?? 5000;
  const shopper = async (i: number) => {
    while (Date.now() < until && results.length < max) {
      const r = await shopOnce(opts.base, opts.variantId, 1 + (i % 2));
      results.push(r);
      // A refused shopper waits a little before trying again, as a client honouring Retry-After would (capped for the test).
      if (r.status !== 201) await sleep(100);
    }
  };
  await Promise.all([...Array.from({ length: opts.clients }, (_, i) => shopper(i)), opts.during?.()]);
  return results;
}

/** Counts by "step status code", for assertion messages. */
export function tally(results: Attempt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const k = `${r.step} ${r.status}${r.code ? ` ${r.code}` : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
