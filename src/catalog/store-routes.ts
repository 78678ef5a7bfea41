import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../platform/http/errors.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { RouteModule, Services } from '../services.ts';
import type { ProductSummary } from './service.ts';
import { storePage } from '../storefront/layout.ts';
import { placeholderUrl } from './images.ts';
import { t } from './messages.ts';
import { productPage } from './product-page.ts';
import { cursorParam } from './cursor.ts';
import { maxDepth } from './product-list.ts';
import { breadcrumbs, keysetPagination, pagination, productGrid } from './store-views.ts';
import { uploadPath } from './uploads.ts';

export const perPage = 12;

function pageParam(req: FastifyRequest): number {
  const raw = (req.query as Record<string, unknown>).page;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

function keywordParam(req: FastifyRequest): string {
  const raw = (req.query as Record<string, unknown>).q;
  return typeof raw === 'string' ? raw.trim().slice(0, 100) : '';
}

export const catalogStoreRoutes: RouteModule = (app, s) => {
  // The search connections (PostgreSQL) close with the storefront.
  app.addHook('onClose', async () => s.catalog.close());
  app.get('/', async (req, reply) => {
    const l = req.locale;
    const [chrome, settings] = await Promise.all([s.chrome(req), s.shop.get()]);
    const featured = await featuredProducts(s, l, chrome.categories);
    const tagline = l === 'en' ? settings.tagline_en : settings.tagline_ja;
    const body = html`<section class="hero"><h1>${settings.name}</h1><p>${tagline}</p></section>
${chrome.categories.length
  ? html`<section aria-labelledby="home-categories"><h2 id="home-categories">${t(l, 'categories')}</h2>
<ul class="grid product-grid">${chrome.categories.map(
      (c) => html`<li class="card product-card"><a href="/c/${c.slug}"><img src="${placeholderUrl(c.slug)}" alt="" width="400" height="400"><div class="body"><span class="name">${c.name}</span></div></a></li>`,
    )}</ul></section>`
  : ''}
<section aria-labelledby="home-featured"><h2 id="home-featured">${t(l, 'featured')}</h2>
${productGrid(l, featured)}
<p><a class="btn btn-secondary" href="/products">${t(l, 'seeAll')}</a></p></section>`;
    return sendHtml(reply, storePage(req, chrome, { title: '', body, description: t(l, 'homeDescription', { shop: settings.name, tagline }) }));
  });

  app.get('/products', async (req, reply) => listing(req, reply, s, null));

  app.get<{ Params: { slug: string } }>('/c/:slug', async (req, reply) => {
    const chrome = await s.chrome(req);
    const category = chrome.categories.find((c) => c.slug === req.params.slug);
    if (!category) throw new AppError('not_found');
    return listing(req, reply, s, category);
  });

  app.get<{ Params: { slug: string } }>('/p/:slug', async (req, reply) => {
    const product = await s.catalog.product(req.params.slug, req.locale);
    if (!product) throw new AppError('not_found');
    const chrome = await s.chrome(req);
    return sendHtml(reply, storePage(req, chrome, productPage(req.locale, product)));
  });

  app.get<{ Params: { file: string } }>('/media/:file', async (req, reply) => {
    const path = uploadPath(s.ctx.config.dataDir, req.params.file);
    if (!path) throw new AppError('not_found');
    const row = await s.ctx.db.selectFrom('product_image').select(['content_type']).where('file_name', '=', req.params.file).executeTakeFirst();
    const size = row ? await stat(path).then((st) => st.size, () => null) : null;
    if (!row || size === null) throw new AppError('not_found');
    // T3: served only as the image type we verified at upload, never sniffed, never able to run script.
    return reply
      .header('content-type', row.content_type)
      .header('content-length', size)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(createReadStream(path));
  });
};

/** Up to 8 products for the home page, taken in turn from each category so the front shows the range. */
async function featuredProducts(s: Services, locale: Locale, categories: Array<{ slug: string }>): Promise<ProductSummary[]> {
  const lists = await Promise.all(categories.slice(0, 8).map((c) => s.catalog.listProducts({ locale, categorySlug: c.slug, page: 1, perPage: 2 })));
  const picked = [0, 1].flatMap((i) => lists.map((list) => list.items[i]).filter((p): p is ProductSummary => Boolean(p)));
  if (picked.length) return picked.slice(0, 8);
  return (await s.catalog.listProducts({ locale, page: 1, perPage: 8 })).items;
}

async function listing(req: FastifyRequest, reply: Parameters<typeof sendHtml>[0], s: Services, category: { slug: string; name: string } | null) {
  const l = req.locale;
  const q = keywordParam(req);
  const page = pageParam(req);
  const cursor = q ? undefined : cursorParam((req.query as Record<string, unknown>).cursor, l);
  if (q) await s.catalog.searchLimiter.check(req.ip, l);
  const [chrome, settings, result] = await Promise.all([
    s.chrome(req),
    s.shop.get(),
    s.catalog.listProducts({ locale: l, page, perPage, ...(cursor ? { cursor } : {}), ...(q ? { keyword: q } : {}), ...(category ? { categorySlug: category.slug } : {}) }),
  ]);
  const base = category ? `/c/${category.slug}` : '/products';
  const hrefWith = (set: Record<string, string>) => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    for (const [k, v] of Object.entries(set)) params.set(k, v);
    const qs = params.toString();
    return qs ? `${base}?${qs}` : base;
  };
  const hrefFor = (n: number) => hrefWith(n > 1 ? { page: String(n) } : {});
  const heading = q ? t(l, 'searchResults', { q }) : category ? category.name : t(l, 'allProducts');
  const trail = [{ href: '/', label: t(l, 'home') }, ...(category && q ? [{ href: base, label: category.name }] : []), { label: heading }];
  const empty = q ? t(l, 'noResults') : category ? t(l, 'emptyCategory') : t(l, 'noResults');
  const count = result.totalCapped ? t(l, 'resultCountAtLeast', { n: result.total.toLocaleString('en') }) : t(l, 'resultCount', { n: result.total.toLocaleString('en') });
  // The first pages (down to the 1,000th product) are numbered; past them, and on every page reached by
  // 次へ / 前へ, a listing follows keyset links that cost the same at any depth. Search stops at its best 1,000.
  const numberedPages = Math.min(result.pages, Math.ceil(maxDepth / perPage));
  const pager = cursor
    ? keysetPagination(l, { first: base + (q ? `?q=${encodeURIComponent(q)}` : ''), prev: result.prev ? hrefWith({ cursor: result.prev }) : null, next: result.next ? hrefWith({ cursor: result.next }) : null })
    : pagination(l, page, numberedPages, hrefFor, !q && page >= numberedPages && result.next ? hrefWith({ cursor: result.next }) : undefined);
  const body = html`${breadcrumbs(l, trail)}
<h1>${heading}</h1>
<p class="muted small" role="status">${count}${!cursor && result.pages > 1 && !result.totalCapped ? html` · ${t(l, 'pageOf', { page, pages: result.pages })}` : ''}</p>
${result.items.length ? productGrid(l, result.items) : html`<p class="alert alert-info">${empty}</p>`}
${pager}`;
  const title = !cursor && page > 1 ? `${heading} (${t(l, 'pageOf', { page, pages: result.pages })})` : heading;
  const description = category ? t(l, 'categoryDescription', { shop: settings.name, category: category.name }) : t(l, 'listDescription', { shop: settings.name });
  return sendHtml(reply, storePage(req, chrome, { title, body, description, ...(q ? { searchQuery: q } : {}), ...(category ? { currentCategory: category.slug } : {}) }));
}
