import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { placeFormFields, validForm } from '../checkout/test-helpers.ts';
import { formValuesOf } from './shipping-admin-routes.ts';
import { defaultShippingConfig } from './shipping-config.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

/** The saved form as the browser would post it. */
const savedForm = () => formValuesOf(defaultShippingConfig, 5_000) as Record<string, string | string[]>;

async function guestWith(variantId: number) {
  const c = new TestClient(store.url);
  assert.equal((await c.postForm('/cart/items', { variant_id: variantId, quantity: 1 })).status, 303);
  return c;
}

test('the console shows regions, sizes, time slots, 代引き tiers and methods as saved', async () => {
  const { client } = await staffClient(store, 'owner');
  const page = await client.get('/admin/settings/shipping');
  assert.equal(page.status, 200);
  assert.match(page.text, /<h1[^>]*>送料・配送・お支払い方法<\/h1>/);
  assert.match(page.text, /name="region_2_name" value="関東"/);
  assert.match(page.text, /name="region_2_rate_60" value="800"/);
  assert.match(page.text, /name="time_slots" value="am" checked> 午前中/);
  assert.match(page.text, /name="cod_0_fee" value="330"/);
  assert.match(page.text, /name="methods_on" value="cod" checked/);
  assert.equal((await (await staffClient(store, 'order_operator')).client.get('/admin/settings/shipping')).status, 403);
});

test('bad input: each message next to its field, what was typed kept, nothing saved', async () => {
  const { client } = await staffClient(store, 'owner');
  const before = JSON.stringify((await store.services.shop.get()).shipping);
  const form = {
    ...savedForm(),
    region_2_rate_60: '八百',
    region_3_prefectures: '新潟県 富山県 東京都',
    region_4_prefectures: '三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山件',
    cod_1_fee: '50000',
    free_shipping_threshold: '-1',
    methods_on: [] as string[],
  };
  const res = await client.postForm('/admin/settings/shipping', form);
  assert.equal(res.status, 422);
  assert.match(res.text, /入力内容を確認してください。何も変更していません。/);
  assert.match(res.text, /id="region_2_rate_60"[^>]*value="八百"[^>]*aria-invalid="true"[^>]*><p class="field-error" id="region_2_rate_60-error">0〜1,000,000の整数/);
  assert.match(res.text, /id="region_3_prefectures-error">「東京都」はほかの地域（関東）にも入っています/);
  assert.match(res.text, /id="region_4_prefectures-error">「和歌山件」は都道府県名ではありません/);
  assert.match(res.text, /id="cod_1_fee-error">手数料は上限より小さく/);
  assert.match(res.text, /id="free_shipping_threshold-error">0以上の整数/);
  assert.equal(JSON.stringify((await store.services.shop.get()).shipping), before, 'nothing changed');

  const en = await client.postForm('/admin/settings/shipping', { ...savedForm(), region_8_prefectures: '' }, { 'accept-language': 'en' });
  assert.equal(en.status, 422);
  assert.match(en.text, /id="region_8_prefectures-error">Enter at least one prefecture/);

  const gap = await client.postForm('/admin/settings/shipping', { ...savedForm(), region_8_name: '', region_8_prefectures: '', ...Object.fromEntries([60, 80, 100, 120, 140, 160].map((s) => [`region_8_rate_${s}`, ''])) });
  assert.equal(gap.status, 422);
  assert.match(gap.text, /id="regions-error">次の都道府県がどの地域にも入っていません（このままでは届けられません）: 沖縄県/);
});

test('saved settings drive checkout: size rates, free threshold, time slots, 代引き fee, methods off; the slot reaches the order', async () => {
  const { client } = await staffClient(store, 'owner');
  const form = {
    ...savedForm(),
    region_2_rate_60: '１，０００円', // typed the Japanese way
    region_2_rate_100: '1500',
    free_shipping_threshold: '',
    time_slots: ['am', '19-21'],
    cod_0_up_to: '10000',
    cod_0_fee: '400',
    methods_on: ['cod'],
  };
  const saved = await client.postForm('/admin/settings/shipping', form);
  assert.equal(saved.status, 303);
  const s = await store.services.shop.get();
  assert.equal(s.shipping.regions[2]!.rates['60'], 1_000);
  assert.deepEqual(s.shipping.time_slots, ['am', '19-21']);
  assert.deepEqual(s.shipping.payment_methods_off, ['bank_transfer']);
  assert.equal(s.free_shipping_threshold, null);

  const small = await createTestVariant(store.ctx.db, { price: 2_000 });
  const shopper = await guestWith(small);
  const page = await shopper.get('/checkout');
  assert.match(page.text, /<select id="delivery_slot" name="delivery_slot"/);
  assert.match(page.text, /<option value="19-21">19時〜21時<\/option>/);
  assert.doesNotMatch(page.text, /<option value="14-16">/, 'only the offered slots');
  assert.doesNotMatch(page.text, /name="payment_method" value="bank_transfer"/, 'bank transfer is switched off');
  assert.match(page.text, /手数料 ¥400/);

  const refused = await shopper.postForm('/checkout/review', { ...validForm, payment_method: 'cod', delivery_slot: '14-16' });
  assert.equal(refused.status, 422);
  assert.match(refused.text, /id="delivery_slot-error">このお届け時間帯は選べません/);

  const review = await shopper.postForm('/checkout/review', { ...validForm, payment_method: 'cod', delivery_slot: '19-21' });
  assert.equal(review.status, 200);
  assert.match(review.text, /お届け時間帯: 19時〜21時/);
  assert.match(review.text, /¥1,000/, 'the 関東 size-60 rate as saved');
  const placed = await shopper.postForm('/checkout/place', placeFormFields(review));
  assert.equal(placed.status, 303);
  const order = await store.ctx.db.selectFrom('orders').select(['delivery_slot', 'shipping_fee', 'payment_fee']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual(order, { delivery_slot: '19-21', shipping_fee: 1_000, payment_fee: 400 });

  // A size-100 product makes the whole parcel size 100.
  const big = await createTestVariant(store.ctx.db, { price: 3_000 });
  const productId = (await store.ctx.db.selectFrom('variant').select('product_id').where('id', '=', big).executeTakeFirstOrThrow()).product_id;
  await store.ctx.db.updateTable('product').set({ shipping_size: 100 }).where('id', '=', productId).execute();
  const two = await guestWith(small);
  assert.equal((await two.postForm('/cart/items', { variant_id: big, quantity: 1 })).status, 303);
  const bigReview = await two.postForm('/checkout/review', { ...validForm, payment_method: 'cod' });
  assert.match(bigReview.text, /¥1,500/);

  const legal = await new TestClient(store.url).get('/legal/tokushoho');
  assert.match(legal.text, /代引手数料（400円〜1,100円/);
});
