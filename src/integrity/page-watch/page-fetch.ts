import { tokenize } from './page-snapshot.ts';

/**
 * The payment pages the watcher renders, in the order a shopper reaches them. `cart-empty` (a fresh
 * shopper's cart) and `payment-return` do not depend on what the shop sells; the other three need an item
 * in the throwaway cart and are compared only when the watcher could shop.
 */
export const watchedPages = ['cart-empty', 'cart', 'checkout', 'review', 'payment-return'] as const;
export type WatchedPage = (typeof watchedPages)[number];
export const shoppingPages: readonly WatchedPage[] = ['cart', 'checkout', 'review'];

export interface RenderedPage {
  url: URL;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What one walk through the store rendered. `cannot_shop`: no listed item could be put in the cart and taken
 * to the review page (sold out, stock held, unpublished, a price changed under the cart): shop state, not
 * tampering; the shopping pages are then missing and only the state-independent pages are compared.
 */
export interface Journey {
  pages: Partial<Record<WatchedPage, RenderedPage>>;
  notes: string[];
  shop: 'shopped' | 'cannot_shop';
}

/**
 * A throwaway guest shopper (nothing is ordered): the address the review page is priced for. The domain
 * `example.com` is reserved (RFC 2606); no mail is ever sent for a review.
 */
export const watcherShopper = {
  email: 'page-watch@example.com',
  name: '監視 太郎',
  name_kana: 'カンシ タロウ',
  postal_code: '1000001',
  prefecture: '東京都',
  city: '千代田区',
  line1: '千代田1-1',
  line2: '',
  phone: '03-0000-0000',
  shipping_method: 'standard',
  payment_method: 'bank_transfer',
  note: '',
};

/** One HTTP exchange: over the network (`fetch`) or through the store's own request handler (`app.inject`). */
export type Transport = (req: { method: 'GET' | 'POST'; url: URL; headers: Record<string, string>; body?: string }) => Promise<{ status: number; headers: Record<string, string>; setCookies: string[]; body: string }>;

export function networkTransport(timeoutMs: number): Transport {
  return async (req) => {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, setCookies: res.headers.getSetCookie(), body: await res.text() };
  };
}

/** A shopper's cookies (only name=value: the store is the only site visited) and same-origin form posts. */
class Shopper {
  private jar = new Map<string, string>();
  constructor(
    private readonly base: URL,
    private readonly transport: Transport,
  ) {}

  async request(path: string, form?: Record<string, string>): Promise<RenderedPage> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { host: this.base.host, accept: 'text/html', 'accept-language': 'ja', 'user-agent': 'omamori-page-watch/1' };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = this.base.origin; // a same-origin form post, as the browser sends it (CSRF check)
    }
    const res = await this.transport({ method: form ? 'POST' : 'GET', url, headers, body: form ? new URLSearchParams(form).toString() : undefined });
    for (const c of res.setCookies) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, pair!.slice(eq + 1).trim());
    }
    return { url, status: res.status, headers: res.headers, body: res.body };
  }
}

/** An in-stock variant, as a shopper finds one: the product list, then the first product page with one to choose. */
async function findVariant(shopper: Shopper, notes: string[]): Promise<string | null> {
  const list = await shopper.request('/products');
  const slugs = [...new Set([...list.body.matchAll(/href="(\/p\/[^"?#]+)"/g)].map((m) => m[1]!))].slice(0, 8);
  for (const slug of slugs) {
    const page = await shopper.request(slug);
    let inAddForm = false;
    for (const tok of tokenize(page.body)) {
      if ('end' in tok) {
        if (tok.end === 'form') inAddForm = false;
        continue;
      }
      if (tok.name === 'form') inAddForm = tok.attrs.get('action') === '/cart/items';
      if (inAddForm && tok.name === 'input' && tok.attrs.get('name') === 'variant_id' && !tok.attrs.has('disabled')) return tok.attrs.get('value') ?? null;
    }
  }
  notes.push(slugs.length ? 'no product in stock' : 'no product listed');
  return null;
}

/**
 * The HTTP watcher's walk: a throwaway guest cart with one item, the cart, the checkout form, the review
 * page priced for a made-up address (nothing is placed), and the card payment-return page; then the item
 * is taken out again. `browser` renders the same pages in headless Chromium instead (scripts run).
 */
export async function walkStore(base: URL, transport: Transport, opts: { browser?: BrowserRenderer | null } = {}): Promise<Journey> {
  const shopper = new Shopper(base, transport);
  const notes: string[] = [];
  const pages: Journey['pages'] = {};
  // In Chromium the browser keeps its own cart (its own cookies), as a shopper's browser does.
  const session = opts.browser ? await opts.browser.session(base) : null;
  const render = (path: string, form?: Record<string, string>) => (session ? session.request(path, form) : shopper.request(path, form));
  let variant: string | null = null;
  try {
    pages['cart-empty'] = await render('/cart');
    variant = await findVariant(shopper, notes);
    if (variant) {
      const added = await render('/cart/items', { variant_id: variant, quantity: '1' });
      if (added.status !== 303 && !(session && added.status === 200 && added.url.pathname === '/cart')) notes.push(`add to cart answered ${added.status}`);
      const cart = await render('/cart');
      // What the cart can hold is shop state: a cart without the item is "cannot shop", never a difference.
      if (holdsItem(cart.body, variant)) {
        const checkout = await render('/checkout');
        const review = checkout.status === 200 ? await render('/checkout/review', watcherShopper) : null;
        if (checkout.status !== 200) notes.push(`checkout answered ${checkout.status}`);
        else if (review!.status !== 200) notes.push(`review answered ${review!.status}`);
        else Object.assign(pages, { cart, checkout, review });
      } else notes.push('the cart could not hold the item');
    }
    // Without an order of this shopper the return page answers "not found" in the store's frame; see README.
    pages['payment-return'] = await render('/checkout/card/return?order=page-watch');
  } finally {
    if (variant) await render(`/cart/items/${variant}/delete`, {}).catch(() => undefined);
    await session?.close().catch(() => undefined);
  }
  return { pages, notes, shop: pages.review ? 'shopped' : 'cannot_shop' };
}

/** The cart page lists the variant: its quantity form posts to `/cart/items/<id>`. */
function holdsItem(body: string, variant: string): boolean {
  return tokenize(body).some((tok) => !('end' in tok) && tok.name === 'form' && tok.attrs.get('action') === `/cart/items/${variant}`);
}

/** A real browser (see chromium.ts): one session (its own cookies) per walk. */
export interface BrowserRenderer {
  session(base: URL): Promise<{ request(path: string, form?: Record<string, string>): Promise<RenderedPage>; close(): Promise<void> }>;
  close(): Promise<void>;
}
