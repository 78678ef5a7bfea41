import type { Db } from '../platform/db/database.ts';
import type { TaxClass } from './tables.ts';

/** Inserts a product with variants directly (test fixture). */
export async function addProduct(
  db: Db,
  p: { slug: string; name_ja?: string; name_en?: string; description_ja?: string; published?: boolean; tax_class?: TaxClass; position?: number; category_id?: number | null },
  variants: Array<{ price?: number; stock?: number; sku?: string }> = [{}],
): Promise<{ id: number; variantIds: number[] }> {
  const { id } = await db
    .insertInto('product')
    .values({ slug: p.slug, name_ja: p.name_ja ?? p.slug, name_en: p.name_en ?? p.slug, description_ja: p.description_ja ?? '', tax_class: p.tax_class ?? 'reduced', published: p.published ?? true, position: p.position ?? 0, category_id: p.category_id ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const variantIds: number[] = [];
  for (const [i, v] of variants.entries()) {
    const row = await db
      .insertInto('variant')
      .values({ product_id: id, sku: v.sku ?? `${p.slug}-${i}`, name_ja: `種類${i + 1}`, name_en: `Option ${i + 1}`, price: v.price ?? 1000, stock: v.stock ?? 10, position: i })
      .returning('id')
      .executeTakeFirstOrThrow();
    variantIds.push(row.id);
  }
  return { id, variantIds };
}

/** Polls until `check` passes (a NOTIFY from another connection arrives asynchronously). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}
