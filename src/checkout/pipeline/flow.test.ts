import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CartLine, CartView } from '../../cart/service.ts';
import { AppError } from '../../platform/http/errors.ts';
import { defaultShopSettings } from '../../settings/settings.ts';
import type { CheckoutInput } from './context.ts';
import { runPurchaseFlow } from './flow.ts';

const line = (variantId: number, unitPrice: number, quantity: number, taxRate: 8 | 10, available = true): CartLine => ({
  variantId,
  productSlug: `p${variantId}`,
  productName: `商品${variantId}`,
  variantName: '通常',
  sku: `SKU${variantId}`,
  taxRate,
  unitPrice,
  quantity,
  lineTotal: unitPrice * quantity,
  available,
  problem: available ? null : 'short',
  stock: 10,
});
const cart = (...lines: CartLine[]): CartView => ({ id: 1, lines, itemCount: lines.reduce((n, l) => n + l.quantity, 0), itemsTotal: lines.reduce((n, l) => n + l.lineTotal, 0), blocked: lines.some((l) => !l.available) });
const input = (over: Partial<CheckoutInput> = {}): CheckoutInput => ({
  email: 'hanako@example.jp',
  shipping: { name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '0312345678' },
  shippingMethod: 'standard',
  paymentMethod: 'bank_transfer',
  note: '',
  ...over,
});
const settings = { ...defaultShopSettings, free_shipping_threshold: 5_000 };

test('the NTA example as an order: per-rate totals and tax, free shipping, no fee', () => {
  const ctx = runPurchaseFlow(cart(line(1, 1_100, 5, 10), line(2, 1_080, 5, 8)), input(), settings, 'ja');
  assert.deepEqual(ctx.errors, {});
  assert.equal(ctx.itemsTotal, 10_900);
  assert.equal(ctx.shippingFee, 0);
  assert.equal(ctx.paymentFee, 0);
  assert.equal(ctx.total, 10_900);
  assert.deepEqual(ctx.tax, { taxable10: 5_500, tax10: 500, taxable8: 5_400, tax8: 400 });
});

test('shipping and cash-on-delivery fees are added and taxed at 10%', () => {
  // ¥3,240 of 8% goods to Hokkaido by COD: shipping ¥1,200, COD on ¥4,440 + ¥330 ≤ ¥10,000
  const ctx = runPurchaseFlow(cart(line(1, 1_080, 3, 8)), input({ paymentMethod: 'cod', shipping: { ...input().shipping, prefecture: '北海道' } }), settings, 'ja');
  assert.equal(ctx.shippingFee, 1_200);
  assert.equal(ctx.paymentFee, 330);
  assert.equal(ctx.total, 4_770);
  assert.deepEqual(ctx.tax, { taxable10: 1_530, tax10: 139, taxable8: 3_240, tax8: 240 });
  const ceil = runPurchaseFlow(cart(line(1, 1_080, 3, 8)), input({ paymentMethod: 'cod', shipping: { ...input().shipping, prefecture: '北海道' } }), { ...settings, tax_rounding: 'ceil' }, 'ja');
  assert.equal(ceil.tax.tax10, 140);
});

test('cash on delivery above ¥300,000 is refused on the payment field; card numbers in free text are refused', () => {
  const big = runPurchaseFlow(cart(line(1, 100_000, 3, 10)), input({ paymentMethod: 'cod' }), settings, 'en');
  assert.match(big.errors.payment_method ?? '', /cannot be used/);
  const card = runPurchaseFlow(cart(line(1, 1_000, 1, 10)), input({ note: 'カード 4111 1111 1111 1111 で払いたい' }), settings, 'ja');
  assert.match(card.errors.note ?? '', /カード番号/);
  const notCard = runPurchaseFlow(cart(line(1, 1_000, 1, 10)), input({ note: '電話 03-1234-5678 に連絡ください' }), settings, 'ja');
  assert.deepEqual(notCard.errors, {});
});

test('an empty cart or an unavailable line stops the flow', () => {
  assert.throws(() => runPurchaseFlow(cart(), input(), settings, 'ja'), (e) => e instanceof AppError && e.code === 'conflict');
  assert.throws(() => runPurchaseFlow(cart(line(1, 1_000, 1, 10, false)), input(), settings, 'ja'), (e) => e instanceof AppError && e.code === 'sold_out');
});
