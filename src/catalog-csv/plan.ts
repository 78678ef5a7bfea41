import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { containsCardNumber } from '../platform/card-numbers/card-numbers.ts';
import { isValidJan } from '../catalog/jan.ts';
import type { CsvRow } from './columns.ts';
import { m } from './messages.ts';

/** What one row of the file would do. */
export type RowAction = 'create_product' | 'add_variant' | 'update' | 'unchanged' | 'error';

export interface ProductValues {
  slug: string;
  name_ja: string;
  name_en: string;
  category_id: number | null | undefined; // undefined: keep
  tax_class: 'standard' | 'reduced';
  published: boolean | undefined; // undefined: keep (new products are drafts)
  shipping_size: number | undefined;
  description_ja: string | undefined;
  description_en: string | undefined;
}
export interface VariantValues {
  sku: string;
  name_ja: string;
  name_en: string;
  price: number;
  stock: number;
  jan_code: string | null;
}

export interface PlannedRow {
  line: number;
  slug: string;
  sku: string;
  action: RowAction;
  errors: string[];
  product?: ProductValues;
  variant?: VariantValues;
}

export interface ImportPlan {
  rows: PlannedRow[];
  counts: Record<RowAction, number>;
}

const sizes = new Set([60, 80, 100, 120, 140, 160]);
const nfkc = (s: string) => s.normalize('NFKC').trim();

function yen(s: string): number | null {
  const v = nfkc(s).replace(/[,¥円\s]/g, '');
  return /^\d{1,8}$/.test(v) ? Number(v) : null;
}

function taxClassOf(s: string): 'standard' | 'reduced' | null {
  const v = nfkc(s).replace('%', '');
  if (v === '8' || v === '軽減' || v === 'reduced') return 'reduced';
  if (v === '10' || v === '標準' || v === 'standard') return 'standard';
  return null;
}

function publishedOf(s: string): boolean | undefined | null {
  const v = nfkc(s).toLowerCase();
  if (v === '') return undefined;
  if (['1', 'true', '公開', 'yes', 'o', '○'].includes(v)) return true;
  if (['0', 'false', '非公開', 'no', 'x', '×', '下書き'].includes(v)) return false;
  return null;
}

/** Checks one row by itself: the values to write, or the messages for that row. */
function checkRow(l: Locale, r: CsvRow, categories: Map<string, number>): { errors: string[]; product?: ProductValues; variant?: VariantValues } {
  const errors: string[] = [];
  const slug = nfkc(r.slug).toLowerCase();
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) errors.push(m(l, 'badSlug'));
  if (!r.name_ja) errors.push(m(l, 'nameRequired'));
  if (r.name_ja.length > 200 || r.name_en.length > 200) errors.push(m(l, 'nameTooLong'));
  const tax = taxClassOf(r.tax_rate || '10');
  if (!tax) errors.push(m(l, 'badTax'));
  const published = publishedOf(r.published);
  if (published === null) errors.push(m(l, 'badPublished'));
  const size = r.shipping_size ? Number(nfkc(r.shipping_size)) : undefined;
  if (size !== undefined && !sizes.has(size)) errors.push(m(l, 'badSize'));
  let category: number | null | undefined;
  if (r.category) {
    category = categories.get(nfkc(r.category).toLowerCase()) ?? categories.get(nfkc(r.category));
    if (category === undefined) errors.push(m(l, 'unknownCategory', { name: r.category }));
  }
  if (r.description_ja.length > 5000 || r.description_en.length > 5000) errors.push(m(l, 'descriptionTooLong'));
  // T2: a card number pasted into a name or description is never stored (the whole file is refused row by row).
  if ([r.name_ja, r.name_en, r.description_ja, r.description_en, r.variant_ja, r.variant_en].some(containsCardNumber)) errors.push(m(l, 'cardNumber'));
  const product: ProductValues = {
    slug,
    name_ja: r.name_ja,
    name_en: r.name_en || r.name_ja, // English is optional for a ja-only shop
    category_id: r.category ? category : undefined,
    tax_class: tax ?? 'standard',
    published: published ?? undefined,
    shipping_size: size,
    description_ja: r.description_ja || undefined,
    description_en: r.description_en || undefined,
  };
  const sku = nfkc(r.sku);
  if (!sku) return { errors, product };
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(sku)) errors.push(m(l, 'badSku'));
  if (!r.variant_ja) errors.push(m(l, 'variantRequired'));
  if (r.variant_ja.length > 100 || r.variant_en.length > 100) errors.push(m(l, 'variantTooLong'));
  const price = yen(r.price);
  if (price === null || price > 10_000_000) errors.push(m(l, 'badPrice'));
  const stock = r.stock ? yen(r.stock) : 0;
  if (stock === null || stock > 1_000_000) errors.push(m(l, 'badStock'));
  const jan = nfkc(r.jan_code).replace(/[-\s]/g, '');
  if (jan && !isValidJan(jan)) errors.push(m(l, 'badJan'));
  return { errors, product, variant: { sku, name_ja: r.variant_ja, name_en: r.variant_en || r.variant_ja, price: price ?? 0, stock: stock ?? 0, jan_code: jan || null } };
}

type ExistingProduct = { id: number; slug: string; name_ja: string; name_en: string; category_id: number | null; tax_class: string; published: boolean; shipping_size: number; description_ja: string; description_en: string };
type ExistingVariant = { sku: string; product_id: number; name_ja: string; name_en: string; price: number; jan_code: string | null };

const productChanged = (p: ProductValues, e: ExistingProduct) =>
  p.name_ja !== e.name_ja ||
  p.name_en !== e.name_en ||
  p.tax_class !== e.tax_class ||
  (p.category_id !== undefined && p.category_id !== e.category_id) ||
  (p.published !== undefined && p.published !== e.published) ||
  (p.shipping_size !== undefined && p.shipping_size !== e.shipping_size) ||
  (p.description_ja !== undefined && p.description_ja !== e.description_ja) ||
  (p.description_en !== undefined && p.description_en !== e.description_en);

const variantChanged = (v: VariantValues, e: ExistingVariant) => v.name_ja !== e.name_ja || v.name_en !== e.name_en || v.price !== e.price || v.jan_code !== e.jan_code;

/**
 * The dry run: what every row would do against the catalog as it is now, and every error by row. The
 * same function runs again inside the apply transaction, so what is applied is what was just checked.
 */
export async function planImport(db: Db, l: Locale, rows: Array<{ line: number; row: CsvRow }>): Promise<ImportPlan> {
  const categories = new Map<string, number>();
  for (const c of await db.selectFrom('category').select(['id', 'slug', 'name_ja']).execute()) {
    categories.set(c.slug, c.id);
    categories.set(c.name_ja, c.id);
  }
  const checked = rows.map((r) => ({ line: r.line, ...checkRow(l, r.row, categories) }));
  const slugs = [...new Set(checked.map((c) => c.product?.slug).filter((s): s is string => !!s))];
  const skus = [...new Set(checked.map((c) => c.variant?.sku).filter((s): s is string => !!s))];
  const jans = [...new Set(checked.map((c) => c.variant?.jan_code).filter((s): s is string => !!s))];
  const products = slugs.length ? await db.selectFrom('product').select(['id', 'slug', 'name_ja', 'name_en', 'category_id', 'tax_class', 'published', 'shipping_size', 'description_ja', 'description_en']).where('slug', 'in', slugs).execute() : [];
  const variants = skus.length
    ? await db.selectFrom('variant as v').innerJoin('product as p', 'p.id', 'v.product_id').select(['v.sku', 'v.product_id', 'v.name_ja', 'v.name_en', 'v.price', 'v.jan_code', 'p.slug as product_slug']).where('v.sku', 'in', skus).execute()
    : [];
  const janOwners = jans.length ? await db.selectFrom('variant').select(['sku', 'jan_code']).where('jan_code', 'in', jans).execute() : [];
  const productBySlug = new Map(products.map((p) => [p.slug, p]));
  const variantBySku = new Map(variants.map((v) => [v.sku, v]));
  const janOwner = new Map(janOwners.map((v) => [v.jan_code!, v.sku]));

  const firstOfSlug = new Map<string, ProductValues>();
  const seenSku = new Map<string, number>();
  const seenJan = new Map<string, number>();
  const planned: PlannedRow[] = checked.map((c) => {
    const errors = [...c.errors];
    const p = c.product!;
    const v = c.variant;
    const first = firstOfSlug.get(p.slug);
    if (!first) firstOfSlug.set(p.slug, p);
    else if (first.name_ja !== p.name_ja || first.tax_class !== p.tax_class) errors.push(m(l, 'productRowsDiffer'));
    const existing = productBySlug.get(p.slug);
    if (v) {
      const dup = seenSku.get(v.sku);
      if (dup !== undefined) errors.push(m(l, 'skuTwice', { line: dup }));
      else seenSku.set(v.sku, c.line);
      const owner = variantBySku.get(v.sku);
      if (owner && owner.product_id !== existing?.id) errors.push(m(l, 'skuOtherProduct', { slug: owner.product_slug }));
      if (v.jan_code) {
        const janDup = seenJan.get(v.jan_code);
        if (janDup !== undefined) errors.push(m(l, 'janTwice', { line: janDup }));
        else seenJan.set(v.jan_code, c.line);
        const held = janOwner.get(v.jan_code);
        if (held && held !== v.sku) errors.push(m(l, 'janTaken', { sku: held }));
      }
    }
    const base = { line: c.line, slug: p.slug, sku: v?.sku ?? '', product: first ?? p, variant: v };
    if (errors.length) return { ...base, action: 'error' as const, errors };
    const action: RowAction = !existing
      ? first
        ? 'add_variant'
        : 'create_product'
      : !v
        ? productChanged(p, existing) ? 'update' : 'unchanged'
        : !variantBySku.has(v.sku)
          ? 'add_variant'
          : productChanged(p, existing) || variantChanged(v, variantBySku.get(v.sku)!)
            ? 'update'
            : 'unchanged';
    return { ...base, action, errors: [] };
  });
  const counts: Record<RowAction, number> = { create_product: 0, add_variant: 0, update: 0, unchanged: 0, error: 0 };
  for (const r of planned) counts[r.action] += 1;
  return { rows: planned, counts };
}
