import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../platform/http/errors.ts';
import type { RouteModule } from '../services.ts';
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
        description: 'Keyword search over Japanese and English names and descriptions; ordered as in the store.',
        querystring: z.object({
          q: z.string().max(100).optional(),
          category: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
          page: z.coerce.number().int().min(1).max(10000).default(1),
          per_page: z.coerce.number().int().min(1).max(100).default(24),
          lang,
        }),
        response: { 200: z.object({ items: z.array(summarySchema), total: z.number().int(), page: z.number().int(), pages: z.number().int() }), 422: errorSchema },
      },
    },
    async (req) => {
      const { q, category, page, per_page } = req.query;
      const result = await s.catalog.listProducts({ locale: req.locale, page, perPage: per_page, ...(q ? { keyword: q } : {}), ...(category ? { categorySlug: category } : {}) });
      return { ...result, items: result.items.map(summaryJson) };
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
