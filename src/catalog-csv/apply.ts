import type { Db } from '../platform/db/database.ts';
import type { ImportPlan } from './plan.ts';

/**
 * Writes a plan without errors. Runs inside the caller's one transaction (CatalogService.write): a failure
 * on any row rolls back every row, so an import never half-applies.
 */
export async function applyPlan(trx: Db, plan: ImportPlan): Promise<void> {
  if (plan.counts.error) throw new Error('a plan with errors is never applied');
  const now = new Date();
  const productIds = new Map<string, number>();
  for (const r of plan.rows) {
    if (r.action === 'unchanged' || !r.product) continue;
    const p = r.product;
    let id = productIds.get(p.slug);
    if (id === undefined) {
      const existing = await trx.selectFrom('product').select('id').where('slug', '=', p.slug).forUpdate().executeTakeFirst();
      const fields = {
        name_ja: p.name_ja,
        name_en: p.name_en,
        tax_class: p.tax_class,
        ...(p.category_id !== undefined ? { category_id: p.category_id } : {}),
        ...(p.published !== undefined ? { published: p.published } : {}),
        ...(p.shipping_size !== undefined ? { shipping_size: p.shipping_size } : {}),
        ...(p.description_ja !== undefined ? { description_ja: p.description_ja } : {}),
        ...(p.description_en !== undefined ? { description_en: p.description_en } : {}),
        updated_at: now,
      };
      if (existing) {
        await trx.updateTable('product').set(fields).where('id', '=', existing.id).execute();
        id = existing.id;
      } else {
        // New products start as drafts unless the file says 公開 = 1.
        id = (await trx.insertInto('product').values({ slug: p.slug, category_id: null, published: false, ...fields }).returning('id').executeTakeFirstOrThrow()).id;
      }
      productIds.set(p.slug, id);
    }
    const v = r.variant;
    if (!v) continue;
    const updated = await trx.updateTable('variant').set({ name_ja: v.name_ja, name_en: v.name_en, price: v.price, jan_code: v.jan_code }).where('sku', '=', v.sku).where('product_id', '=', id).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('variant').values({ product_id: id, sku: v.sku, name_ja: v.name_ja, name_en: v.name_en, price: v.price, stock: v.stock, jan_code: v.jan_code }).execute();
  }
}
