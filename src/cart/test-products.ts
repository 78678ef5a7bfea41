import type { Db } from '../platform/db/database.ts';

let seq = 0;

/** Test helper: a published product with one variant, straight into the catalog tables. */
export async function createTestVariant(db: Db, fields: { name?: string; nameEn?: string; price?: number; stock?: number; reduced?: boolean; published?: boolean } = {}): Promise<number> {
  seq += 1;
  const slug = `test-item-${seq}-${Math.random().toString(36).slice(2, 8)}`;
  const product = await db
    .insertInto('product')
    .values({ slug, name_ja: fields.name ?? `テスト商品${seq}`, name_en: fields.nameEn ?? `Test item ${seq}`, tax_class: fields.reduced ? 'reduced' : 'standard', published: fields.published ?? true })
    .returning('id')
    .executeTakeFirstOrThrow();
  const variant = await db
    .insertInto('variant')
    .values({ product_id: product.id, sku: `SKU-${slug}`, name_ja: '通常', name_en: 'Regular', price: fields.price ?? 1_000, stock: fields.stock ?? 10 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return variant.id;
}

export async function setStock(db: Db, variantId: number, stock: number): Promise<void> {
  await db.updateTable('variant').set({ stock }).where('id', '=', variantId).execute();
}

export async function setPublished(db: Db, variantId: number, published: boolean): Promise<void> {
  const v = await db.selectFrom('variant').select('product_id').where('id', '=', variantId).executeTakeFirstOrThrow();
  await db.updateTable('product').set({ published }).where('id', '=', v.product_id).execute();
}
