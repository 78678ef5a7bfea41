import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { escapeLike, searchTerms } from './queries.ts';
import { lowStockThreshold } from './stock-state.ts';

/** Admin reads: every product, published or not, straight from the database (never cached). */
export async function loadAdminProduct(db: Db, id: number) {
  const product = await db.selectFrom('product').selectAll().where('id', '=', id).executeTakeFirst();
  if (!product) return null;
  const [variants, images] = await Promise.all([
    db.selectFrom('variant').selectAll().where('product_id', '=', id).orderBy('position').orderBy('id').execute(),
    db.selectFrom('product_image').selectAll().where('product_id', '=', id).orderBy('position').orderBy('id').execute(),
  ]);
  return { product, variants, images };
}
export type AdminProduct = NonNullable<Awaited<ReturnType<typeof loadAdminProduct>>>;

export function loadCategoryRows(db: Db) {
  return db
    .selectFrom('category as c')
    .select(['c.id', 'c.slug', 'c.name_ja', 'c.name_en', 'c.position', (eb) => eb.selectFrom('product').select(sql<number>`count(*)::int`.as('n')).whereRef('product.category_id', '=', 'c.id').as('products')])
    .orderBy('c.position')
    .orderBy('c.id')
    .execute();
}

/**
 * Whether any order line points at this product's variants. Reading the orders domain's table is the
 * one exception the architecture allows (admin read), used only to warn before a deletion.
 */
export async function productHasOrders(db: Db, productId: number): Promise<boolean> {
  const row = await db
    .selectFrom('order_line')
    .select('order_line.id')
    .where('variant_id', 'in', (eb) => eb.selectFrom('variant').select('variant.id').where('variant.product_id', '=', productId))
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

export interface AdminProductFilter {
  q: string;
  categoryId: number | null;
  status: '' | 'published' | 'draft';
  lowStock: boolean;
  page: number;
}
export const adminPerPage = 50;

export async function listAdminProducts(db: Db, f: AdminProductFilter) {
  let base = db.selectFrom('product as p').leftJoin('category as c', 'c.id', 'p.category_id');
  for (const term of searchTerms(f.q)) {
    const pattern = `%${escapeLike(term)}%`;
    base = base.where(sql<boolean>`(p.name_ja ilike ${pattern} escape '\\' or p.name_en ilike ${pattern} escape '\\' or p.slug ilike ${pattern} escape '\\' or exists (select 1 from variant sv where sv.product_id = p.id and (sv.sku ilike ${pattern} escape '\\' or sv.jan_code = ${term})))`);
  }
  if (f.categoryId) base = base.where('p.category_id', '=', f.categoryId);
  if (f.status) base = base.where('p.published', '=', f.status === 'published');
  if (f.lowStock) base = base.where((eb) => eb.exists(eb.selectFrom('variant as lv').select('lv.id').whereRef('lv.product_id', '=', 'p.id').where('lv.stock', '<=', lowStockThreshold)));
  const { total } = await base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
  const rows = await base
    .select([
      'p.id',
      'p.slug',
      'p.name_ja',
      'p.name_en',
      'p.published',
      'c.name_ja as category_ja',
      'c.name_en as category_en',
      (eb) => eb.selectFrom('variant').select(sql<number>`min(price)`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('price_from'),
      (eb) => eb.selectFrom('variant').select(sql<number>`max(price)`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('price_to'),
      (eb) => eb.selectFrom('variant').select(sql<number>`min(stock)`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('min_stock'),
      (eb) => eb.selectFrom('variant').select(sql<number>`count(*)::int`.as('m')).whereRef('variant.product_id', '=', 'p.id').as('variant_count'),
    ])
    .orderBy('p.position')
    .orderBy('p.id')
    .limit(adminPerPage)
    .offset((f.page - 1) * adminPerPage)
    .execute();
  return { rows, total, pages: Math.ceil(total / adminPerPage) };
}
