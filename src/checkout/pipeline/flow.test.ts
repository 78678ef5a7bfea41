import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CartLine, CartView } from '../../cart/service.ts';
import { AppError } from '../../platform/http/errors.ts';
import { defaultShopSettings } from '../../settings/settings.ts';
import type { CheckoutInput } from './context.ts';
import { runPurchaseFlow } from './flow.ts';
import type { CouponForCheckout } from '../../coupons/rules.ts';

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
  shippingSize: 60,
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

// Issue 16: the operator's shipping settings drive the fees and choices.
const custom = {
  ...settings,
  shipping: {
    ...settings.shipping,
    regions: [
      { name: '本州', prefectures: settings.shipping.regions.flatMap((r) => r.prefectures).filter((p) => p !== '北海道' && p !== '沖縄県'), rates: { '60': 700, '80': 900, '100': 1_100, '120': 1_300, '140': 1_500, '160': 1_700 } },
      { name: '北海道', prefectures: ['北海道'], rates: { '60': 1_500, '80': 1_700, '100': 1_900, '120': 2_100, '140': 2_300, '160': 2_500 } },
    ],
    time_slots: ['am', '19-21'] as Array<'am' | '19-21'>,
    cod_tiers: [{ up_to: 50_000, fee: 500 }],
    payment_methods_off: ['bank_transfer' as const],
  },
};

test("the rate is the region's rate for the largest parcel in the cart; an address outside every region is refused", () => {
  const big = { ...line(2, 1_000, 1, 10), shippingSize: 100 };
  const flow = runPurchaseFlow(cart(line(1, 1_000, 1, 8), big), input({ paymentMethod: 'cod' }), custom, 'ja');
  assert.deepEqual(flow.errors, {});
  assert.equal(flow.shippingFee, 1_100, '本州 at size 100');
  assert.equal(flow.paymentFee, 500, "the operator's only 代引き tier");
  const hokkaido = runPurchaseFlow(cart(line(1, 1_000, 1, 8)), input({ paymentMethod: 'cod', shipping: { ...input().shipping, postal_code: '060-0001', prefecture: '北海道' } }), custom, 'ja');
  assert.equal(hokkaido.shippingFee, 1_500);
  const okinawa = runPurchaseFlow(cart(line(1, 1_000, 1, 8)), input({ paymentMethod: 'cod', shipping: { ...input().shipping, postal_code: '900-0001', prefecture: '沖縄県' } }), custom, 'ja');
  assert.match(okinawa.errors.shipping_method ?? '', /お届けできません/);
  const aboveTier = runPurchaseFlow(cart(line(1, 60_000, 1, 8)), input({ paymentMethod: 'cod' }), custom, 'ja');
  assert.ok(aboveTier.errors.payment_method, 'above the last tier cash on delivery is unavailable');
});

test('a time slot must be one the shop offers; a switched-off payment method is refused', () => {
  assert.deepEqual(runPurchaseFlow(cart(line(1, 1_000, 1, 8)), input({ paymentMethod: 'cod', deliverySlot: '19-21' }), custom, 'ja').errors, {});
  assert.match(runPurchaseFlow(cart(line(1, 1_000, 1, 8)), input({ paymentMethod: 'cod', deliverySlot: '14-16' }), custom, 'ja').errors.delivery_slot ?? '', /時間帯は選べません/);
  assert.match(runPurchaseFlow(cart(line(1, 1_000, 1, 8)), input({ paymentMethod: 'bank_transfer' }), custom, 'ja').errors.payment_method ?? '', /./);
});

// Issue 16: coupons in the pipeline.
const coupon = (over: Partial<CouponForCheckout> = {}): CouponForCheckout => ({ id: 1, code: 'SPRING10', kind: 'percent', value: 10, minOrder: 0, startsAt: null, endsAt: null, usageLimit: null, perCustomerLimit: null, usedCount: 0, active: true, customerUses: 0, ...over });

test('a coupon discount is split by tax rate and the tax is on the discounted amounts', () => {
  // ¥5,400 of 8% goods and ¥3,300 of 10% goods; 10% off = ¥870, split 540 (8%) / 330 (10%).
  const flow = runPurchaseFlow(cart(line(1, 5_400, 1, 8), line(2, 3_300, 1, 10)), input({ couponCode: 'spring10' }), settings, 'ja', { coupon: coupon() });
  assert.deepEqual(flow.errors, {});
  assert.deepEqual([flow.discount8, flow.discount10], [540, 330]);
  assert.equal(flow.shippingFee, 0, 'free shipping from the items total before the discount');
  assert.equal(flow.total, 8_700 - 870);
  assert.deepEqual(flow.tax, { taxable8: 4_860, tax8: 360, taxable10: 2_970, tax10: 270 });
  assert.equal(flow.tax.taxable8 + flow.tax.taxable10, flow.total);

  const fixed = runPurchaseFlow(cart(line(1, 1_000, 1, 8)), input({ couponCode: 'X', paymentMethod: 'cod' }), settings, 'ja', { coupon: coupon({ kind: 'amount', value: 5_000 }) });
  assert.equal(fixed.discount8, 1_000, 'never more than the goods');
  assert.equal(fixed.total, 0 + 800 + 330);
  assert.deepEqual(fixed.tax, { taxable8: 0, tax8: 0, taxable10: 1_130, tax10: 102 });
});

test('a coupon outside its period, below its minimum or used up is refused on the coupon field', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  const run = (c: CouponForCheckout | null) => runPurchaseFlow(cart(line(1, 3_000, 1, 10)), input({ couponCode: 'CODE' }), settings, 'ja', { coupon: c, now }).errors.coupon_code;
  assert.match(run(null) ?? '', /見つかりません/);
  assert.match(run(coupon({ endsAt: new Date('2026-12-07T10:00:00Z') })) ?? '', /終了しました/);
  assert.match(run(coupon({ startsAt: new Date('2026-12-08T00:00:00Z') })) ?? '', /まだ使えません/);
  assert.match(run(coupon({ minOrder: 3_001 })) ?? '', /条件の金額以上/);
  assert.match(run(coupon({ usageLimit: 5, usedCount: 5 })) ?? '', /利用上限/);
  assert.match(run(coupon({ perCustomerLimit: 1, customerUses: 1 })) ?? '', /ご利用済み/);
  assert.match(run(coupon({ active: false })) ?? '', /現在使えません/);
  assert.equal(run(coupon({ minOrder: 3_000, usageLimit: 5, usedCount: 4 })), undefined);
});
