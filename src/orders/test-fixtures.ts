import { randomBytes } from 'node:crypto';
import type { TestStore } from '../../test/harness.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import type { OrderDraft } from './service.ts';

/** Test helpers: products straight into the database, and drafts as checkout would build them. */
export interface TestVariant {
  variantId: number;
  sku: string;
  productName: string;
  variantName: string;
  price: number;
  taxRate: 8 | 10;
}

let n = 0;

export async function makeVariant(store: TestStore, opts: { reduced?: boolean; price?: number; stock?: number } = {}): Promise<TestVariant> {
  const { db } = store.ctx;
  n += 1;
  const tag = `${n}-${randomBytes(3).toString('hex')}`;
  const productName = opts.reduced ? `ドリップバッグ${n}` : `ドリッパー${n}`;
  const product = await db
    .insertInto('product')
    .values({ slug: `p-${tag}`, name_ja: productName, name_en: `Product ${n}`, tax_class: opts.reduced ? 'reduced' : 'standard', published: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  const price = opts.price ?? (opts.reduced ? 1080 : 2200);
  const sku = `SKU-${tag}`;
  const v = await db.insertInto('variant').values({ product_id: product.id, sku, name_ja: '標準', name_en: 'Standard', price, stock: opts.stock ?? 10 }).returning('id').executeTakeFirstOrThrow();
  return { variantId: v.id, sku, productName, variantName: '標準', price, taxRate: opts.reduced ? 8 : 10 };
}

export async function stockOf(store: TestStore, variantId: number): Promise<number> {
  return (await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', variantId).executeTakeFirstOrThrow()).stock;
}

/** A guest's cart token and its hash, as the cart cookie / X-Cart-Token would carry it. */
export function guestToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** Builds a consistent draft (floor rounding per rate, fees at 10%). */
export function draftFor(items: Array<{ v: TestVariant; quantity: number }>, opts: Partial<OrderDraft> = {}): OrderDraft {
  const lines = items.map(({ v, quantity }) => ({ variantId: v.variantId, sku: v.sku, productName: v.productName, variantName: v.variantName, taxRate: v.taxRate, unitPrice: v.price, quantity, lineTotal: v.price * quantity }));
  const itemsTotal = lines.reduce((s, x) => s + x.lineTotal, 0);
  const shippingFee = opts.shippingFee ?? 800;
  const paymentFee = opts.paymentFee ?? (opts.paymentMethod === 'cod' ? 330 : 0);
  const total = itemsTotal + shippingFee + paymentFee;
  const taxable8 = lines.filter((x) => x.taxRate === 8).reduce((s, x) => s + x.lineTotal, 0);
  const taxable10 = total - taxable8;
  return {
    customerId: null,
    accessTokenHash: guestToken().hash,
    idempotencyKey: randomBytes(16).toString('hex'),
    email: 'hanako@example.jp',
    locale: 'ja',
    shipping: { name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区神宮前', line1: '1-2-3', line2: 'おまもりビル 4F', phone: '0312345678' },
    shippingMethod: 'standard',
    paymentMethod: 'bank_transfer',
    note: '',
    invoiceNumber: 'T1234567890123',
    ...opts,
    shippingFee,
    paymentFee,
    lines,
    itemsTotal,
    total,
    taxable10,
    tax10: Math.floor((taxable10 * 10) / 110),
    taxable8,
    tax8: Math.floor((taxable8 * 8) / 108),
  };
}
