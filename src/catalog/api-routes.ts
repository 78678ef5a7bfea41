import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../platform/http/errors.ts';
import type { RouteModule } from '../services.ts';
import { cursorParam } from './cursor.ts';
import type { ProductSummary } from './service.ts';
import { taxRateOf } from './stock-state.ts';

const tags = ['Store: catalog'];
const lang = z.enum(['ja', 'en']).optional().describe('Language of names and descriptions; defaults to Accept-Language, then Japanese.');
const stockStateSchema = z.enum(['in_stock', 'low', 'sold_out']).describe('low: 5 or fewer left');
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }) });

const summarySchema = z.object({
  id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  price_from: z.number().int().describe('JPY, tax-inclusive'),
  price_to: z.number().int().describe('JPY, tax-inclusive'),
  tax_class: z.enum(['standard', 'reduced']),
  tax_rate: z.union([z.literal(8), z.literal(10)]),
  stock_state: stockStateSchema,
  image_url: z.string(),
});

const detailSchema = summarySchema.extend({
  description: z.string(),
  category: z.object({ slug: z.string(), name: z.string() }).nullable(),
  variants: z.array(z.object({ id: z.number().int(), sku: z.string(), name: z.string(), price: z.number().int().describe('JPY, tax-inclusive'), stock_state: stockStateSchema })),
  images: z.array(z.object({ url: z.string(), alt: z.string() })),
});

const summaryJson = (p: ProductSummary) => ({
  id: p.id,
  slug: p.slug,
  name: p.name,
  price_from: p.priceFrom,
  price_to: p.priceTo,
  tax_class: p.taxClass,
  tax_rate: taxRateOf(p.taxClass),
  stock_state: p.stockState,
  image_url: p.imageUrl,
});

export const catalogApiRoutes: RouteModule = (app, s) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/store/products',
    {
      schema: {
        operationId: 'listProducts',
        tags,
        summary: 'List published products',
        description:
          'Without q: products in shop order; follow next_cursor / prev_cursor to page at any depth (page numbers reach the first 1,000 products). ' +
          'With q: ranked search (kana, width and long vowels folded; names, variants, categories, SKUs and JAN codes above descriptions), paged by number within the best 1,000. ' +
          'total counts up to 1,000 (total_capped: more). Searches are rate-limited per network (429) and time-bounded (422).',
        querystring: z.object({
          q: z.string().max(100).optional(),
          category: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
          page: z.coerce.number().int().min(1).max(10000).default(1),
          cursor: z.string().max(64).optional().describe('next_cursor or prev_cursor of a previous page (listing only)'),
          per_page: z.coerce.number().int().min(1).max(100).default(24),
          lang,
        }),
        response: {
          200: z.object({
            items: z.array(summarySchema),
            total: z.number().int(),
            total_capped: z.boolean().describe('true: at least total products match'),
            page: z.number().int().describe('0 on a cursor page'),
            pages: z.number().int(),
            next_cursor: z.string().nullable(),
            prev_cursor: z.string().nullable(),
          }),
          422: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (req) => {
      const { q, category, page, per_page } = req.query;
      const cursor = q ? undefined : cursorParam(req.query.cursor, req.locale);
      if (q?.trim()) await s.catalog.searchLimiter.check(req.ip, req.locale);
      const r = await s.catalog.listProducts({ locale: req.locale, page, perPage: per_page, ...(cursor ? { cursor } : {}), ...(q ? { keyword: q } : {}), ...(category ? { categorySlug: category } : {}) });
      return { items: r.items.map(summaryJson), total: r.total, total_capped: r.totalCapped, page: r.page, pages: r.pages, next_cursor: r.next, prev_cursor: r.prev };
    },
  );

  api.get(
    '/store/products/:slug',
    {
      schema: {
        operationId: 'getProduct',
        tags,
        summary: 'One published product with its variants and images',
        params: z.object({ slug: z.string().max(80) }),
        querystring: z.object({ lang }),
        response: { 200: detailSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const p = await s.catalog.product(req.params.slug, req.locale);
      if (!p) throw new AppError('not_found');
      return {
        ...summaryJson(p),
        description: p.description,
        category: p.category,
        variants: p.variants.map((v) => ({ id: v.id, sku: v.sku, name: v.name, price: v.price, stock_state: v.stockState })),
        images: p.images,
      };
    },
  );

  api.get(
    '/store/categories',
    {
      schema: {
        operationId: 'listCategories',
        tags,
        summary: 'Product categories in display order',
        querystring: z.object({ lang }),
        response: { 200: z.object({ items: z.array(z.object({ slug: z.string(), name: z.string() })) }) },
      },
    },
    async (req) => ({ items: await s.catalog.categories(req.locale) }),
  );
};
