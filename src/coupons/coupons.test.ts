import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { placeFormFields, validForm } from '../checkout/test-helpers.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

async function guestWith(items: Array<[number, number]>) {
  const c = new TestClient(store.url);
  for (const [variantId, quantity] of items) assert.equal((await c.postForm('/cart/items', { variant_id: variantId, quantity })).status, 303);
  return c;
}
const coupon = (code: string) => store.ctx.db.selectFrom('coupon').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
const addCoupon = (code: string, over: Record<string, unknown> = {}) => store.ctx.db.insertInto('coupon').values({ code, kind: 'percent', value: 10, ...over }).execute();

test('the console creates coupons; bad input is refused next to each field and creates nothing', async () => {
  const { client } = await staffClient(store, 'content_editor');
  const bad = await client.postForm('/admin/coupons', { code: 'x', kind: 'percent', value: '150', min_order: 'たくさん', starts_at: '2026-12-10T00:00', ends_at: '2026-12-01T00:00', usage_limit: '0', per_customer_limit: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="code-error">半角英数字・ハイフン・下線で3〜32文字/);
  assert.match(bad.text, /id="value-error">割合は1〜100/);
  assert.match(bad.text, /id="min_order-error">0以上の整数/);
  assert.match(bad.text, /id="ends_at-error">終了日時は開始日時より後/);
  assert.match(bad.text, /id="usage_limit-error">1以上の整数/);
  assert.equal((await store.ctx.db.selectFrom('coupon').select('id').execute()).length, 0);

  const ok = await client.postForm('/admin/coupons', { code: 'ｗｉｎｔｅｒ-500', kind: 'amount', value: '500', min_order: '3,000', starts_at: '', ends_at: '2027-01-31T23:59', usage_limit: '100', per_customer_limit: '1' });
  assert.equal(ok.status, 303);
  const row = await coupon('WINTER-500');
  assert.deepEqual([row.kind, row.value, row.min_order, row.usage_limit, row.per_customer_limit, row.ends_at?.toISOString()], ['amount', 500, 3_000, 100, 1, '2027-01-31T14:59:00.000Z']);
  const list = await client.get('/admin/coupons');
  assert.match(list.text, /<code>WINTER-500<\/code>/);
  assert.equal((await client.postForm('/admin/coupons', { code: 'winter-500', kind: 'percent', value: '5' })).status, 422, 'a code is unique');
  const { client: operator } = await staffClient(store, 'order_operator');
  assert.equal((await operator.get('/admin/coupons')).status, 200);
  assert.equal((await operator.postForm('/admin/coupons', { code: 'OPS', kind: 'percent', value: '5' })).status, 403);
});

test('checkout applies a coupon: the discount per tax rate, tax on the discounted amounts, the use counted', async () => {
  await addCoupon('TENOFF');
  const beans = await createTestVariant(store.ctx.db, { price: 5_400, reduced: true });
  const mug = await createTestVariant(store.ctx.db, { price: 3_300 });
  const c = await guestWith([[beans, 1], [mug, 1]]);
  const wrong = await c.postForm('/checkout/review', { ...validForm, coupon_code: 'NOPE' });
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /id="coupon_code-error">このクーポンコードは見つかりません/);
  const review = await c.postForm('/checkout/review', { ...validForm, coupon_code: ' tenoff ' });
  assert.equal(review.status, 200);
  assert.match(review.text, /クーポン割引（TENOFF）<\/dt><dd id="order-discount">−¥870/);
  assert.match(review.text, /id="order-total">¥7,830/);
  const placed = await c.postForm('/checkout/place', placeFormFields(review));
  assert.equal(placed.status, 303);
  const order = await store.ctx.db.selectFrom('orders').select(['total', 'discount_8', 'discount_10', 'coupon_code', 'taxable_8', 'tax_8', 'taxable_10', 'tax_10']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual(order, { total: 7_830, discount_8: 540, discount_10: 330, coupon_code: 'TENOFF', taxable_8: 4_860, tax_8: 360, taxable_10: 2_970, tax_10: 270 });
  assert.equal((await coupon('TENOFF')).used_count, 1);
});

test('per customer: a second order by the same e-mail is refused on the coupon field', async () => {
  await addCoupon('ONCE', { per_customer_limit: 1 });
  const v = await createTestVariant(store.ctx.db, { price: 2_000 });
  const first = await guestWith([[v, 1]]);
  const review = await first.postForm('/checkout/review', { ...validForm, email: 'once@example.jp', coupon_code: 'ONCE' });
  assert.equal((await first.postForm('/checkout/place', placeFormFields(review))).status, 303);
  const second = await guestWith([[v, 1]]);
  const again = await second.postForm('/checkout/review', { ...validForm, email: 'ONCE@example.jp', coupon_code: 'ONCE' });
  assert.equal(again.status, 422);
  assert.match(again.text, /id="coupon_code-error">このクーポンはすでにご利用済みです/);
});

test('race: a coupon with one use left, ten shoppers placing at once: exactly one order gets it', async () => {
  await addCoupon('LASTONE', { usage_limit: 1 });
  const v = await createTestVariant(store.ctx.db, { price: 1_000, stock: 100 });
  const shoppers = await Promise.all(Array.from({ length: 10 }, () => guestWith([[v, 1]])));
  // Every review passes (the coupon is still unused), then everyone presses "place" together.
  const reviews = await Promise.all(shoppers.map((c, i) => c.postForm('/checkout/review', { ...validForm, email: `race${i}@example.jp`, coupon_code: 'LASTONE' })));
  for (const r of reviews) assert.equal(r.status, 200);
  const results = await Promise.all(shoppers.map((c, i) => c.postForm('/checkout/place', placeFormFields(reviews[i]!))));
  const placed = results.filter((r) => r.status === 303);
  assert.equal(placed.length, 1, results.map((r) => r.status).join(','));
  for (const r of results.filter((x) => x.status !== 303)) assert.match(r.text, /このクーポンは利用上限に達しました/);
  const row = await coupon('LASTONE');
  assert.equal(row.used_count, 1);
  assert.equal((await store.ctx.db.selectFrom('coupon_use').select('order_id').where('coupon_id', '=', row.id).execute()).length, 1);
  assert.equal((await store.ctx.db.selectFrom('orders').select('id').where('coupon_code', '=', 'LASTONE').execute()).length, 1, 'no order without its claim');
});
