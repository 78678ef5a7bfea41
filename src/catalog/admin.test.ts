import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { addProduct } from './test-helpers.ts';

let store: TestStore;
let editor: TestClient;
let shopper: TestClient;
let categoryId: number;
before(async () => {
  store = await startTestStore();
  editor = (await staffClient(store, 'content_editor')).client;
  shopper = new TestClient(store.url);
  categoryId = (await store.ctx.db.insertInto('category').values({ slug: 'beans', name_ja: '豆', name_en: 'Beans' }).returning('id').executeTakeFirstOrThrow()).id;
});
after(() => store.close());

const productForm = { slug: 'honduras', name_ja: 'ホンジュラス', name_en: 'Honduras', description_ja: 'はちみつのような甘さ。', description_en: 'Honey-like sweetness.', category_id: '', tax_class: 'reduced', position: '0' };
const productCount = async () => (await store.ctx.db.selectFrom('product').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
const idFrom = (location: string | null) => Number(/\/admin\/products\/(\d+)/.exec(location ?? '')?.[1]);

describe('products', () => {
  let productId: number;

  test('create a product, add variants, and see it in the store once published', async () => {
    const created = await editor.postForm('/admin/products', { ...productForm, category_id: String(categoryId) });
    assert.equal(created.status, 303);
    productId = idFrom(created.location);
    assert.match(created.location!, /\?saved=1$/);
    const page = await editor.get(created.location!);
    assert.match(page.text, /<p class="alert alert-success" role="status">保存しました。<\/p>/);
    assert.match(page.text, /バリエーションがない商品はストアに表示されません/);

    for (const v of [{ sku: 'HND-200', name_ja: '200g', name_en: '200 g', price: '１，５００', stock: '20', jan_code: '4901234567894' }, { sku: 'HND-500', name_ja: '500g', name_en: '500 g', price: '3400', stock: '3', jan_code: '' }]) {
      const res = await editor.postForm(`/admin/products/${productId}/variants`, v);
      assert.equal(res.status, 303, res.text.slice(0, 200));
    }
    const variants = await store.ctx.db.selectFrom('variant').selectAll().where('product_id', '=', productId).orderBy('position').execute();
    assert.deepEqual(variants.map((v) => [v.sku, v.price, v.stock, v.jan_code]), [['HND-200', 1500, 20, '4901234567894'], ['HND-500', 3400, 3, null]]);

    assert.equal((await shopper.get('/p/honduras')).status, 404, 'not published yet');
    assert.equal((await editor.postForm(`/admin/products/${productId}/publish`, { published: '1' })).status, 303);
    const live = await shopper.get('/p/honduras');
    assert.equal(live.status, 200, 'publishing shows at once');
    assert.match(live.text, /¥1,500〜¥3,400/);
    assert.equal((await editor.postForm(`/admin/products/${productId}/publish`, { published: '0' })).status, 303);
    assert.equal((await shopper.get('/p/honduras')).status, 404, 'unpublishing hides at once');
    assert.ok(!(await shopper.get('/products')).text.includes('/p/honduras'));
  });

  test('invalid product input re-renders with messages next to the fields, 422, nothing saved', async () => {
    const before = await productCount();
    const res = await editor.postForm('/admin/products', { ...productForm, slug: 'Bad Slug!', name_ja: '', tax_class: 'luxury' });
    assert.equal(res.status, 422);
    assert.match(res.text, /入力内容を確認してください/);
    assert.match(res.text, /id="product-slug"[^>]*value="Bad Slug!"[^>]*aria-invalid="true" aria-describedby="product-slug-error product-slug-hint"/);
    assert.match(res.text, /<p class="field-error" id="product-slug-error">半角英小文字・数字・ハイフンで入力してください。<\/p>/);
    assert.match(res.text, /<p class="field-error" id="product-name_ja-error">入力してください。<\/p>/);
    assert.match(res.text, /<p class="field-error" id="product-tax_class-error">選択肢から選んでください。<\/p>/);
    assert.equal(await productCount(), before);

    const taken = await editor.postForm('/admin/products', { ...productForm, slug: 'honduras' });
    assert.equal(taken.status, 422);
    assert.match(taken.text, /このスラッグはすでに使われています。/);
    assert.equal(await productCount(), before);
  });

  test('a JAN code needs a correct check digit; bad variants change nothing', async () => {
    const before = await store.ctx.db.selectFrom('variant').select('id').where('product_id', '=', productId).execute();
    const bad = await editor.postForm(`/admin/products/${productId}/variants`, { sku: 'HND-1K', name_ja: '1kg', name_en: '1 kg', price: '6000', stock: '1', jan_code: '4901234567890' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="variant-jan_code-error">JANコードは8桁か13桁で、チェックデジットが正しいものを入力してください。/);
    assert.match(bad.text, /id="variant-sku"[^>]*value="HND-1K"/);
    const dupSku = await editor.postForm(`/admin/products/${productId}/variants`, { sku: 'HND-200', name_ja: 'x', name_en: 'x', price: '-5', stock: '' });
    assert.equal(dupSku.status, 422);
    assert.match(dupSku.text, /id="variant-price-error">0以上の数を入力してください。/);
    assert.match(dupSku.text, /id="variant-stock-error">入力してください。/);
    const after = await store.ctx.db.selectFrom('variant').select('id').where('product_id', '=', productId).execute();
    assert.equal(after.length, before.length);
  });

  test('edit a variant; adjust stock relatively, never below zero; low-stock filter', async () => {
    const v = await store.ctx.db.selectFrom('variant').selectAll().where('sku', '=', 'HND-500').executeTakeFirstOrThrow();
    const base = `/admin/products/${productId}/variants/${v.id}`;
    assert.equal((await editor.postForm(base, { sku: 'HND-500', name_ja: '500g袋', name_en: '500 g bag', price: '3500', jan_code: '49012347' })).status, 303);
    const low = await editor.get('/admin/products?stock=low');
    assert.match(low.text, /ホンジュラス/);
    assert.equal((await editor.postForm(`${base}/stock`, { delta: '10' })).status, 303);
    const refused = await editor.postForm(`${base}/stock`, { delta: '-100' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /在庫が0未満になるため調整できません（現在の在庫: 13）/);
    const row = await store.ctx.db.selectFrom('variant').selectAll().where('id', '=', v.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.name_ja, row.price, row.stock, row.jan_code], ['500g袋', 3500, 13, '49012347']);
    assert.ok(!(await editor.get('/admin/products?stock=low')).text.includes('ホンジュラス'));
  });

  test('list filters by keyword, category and status', async () => {
    await addProduct(store.ctx.db, { slug: 'draft-tea', name_ja: '下書きのお茶', published: false });
    const drafts = await editor.get('/admin/products?status=draft');
    assert.match(drafts.text, /下書きのお茶/);
    assert.match(drafts.text, /ホンジュラス/);
    const byCategory = await editor.get(`/admin/products?category=${categoryId}`);
    assert.ok(byCategory.text.includes('ホンジュラス') && !byCategory.text.includes('下書きのお茶'));
    const byKeyword = await editor.get(`/admin/products?q=${encodeURIComponent('HND-2')}`);
    assert.ok(byKeyword.text.includes('ホンジュラス') && !byKeyword.text.includes('下書きのお茶'));
  });

  test('deleting a product with orders suggests unpublishing first', async () => {
    const { db } = store.ctx;
    const { id, variantIds } = await addProduct(db, { slug: 'ordered' });
    const order = await db
      .insertInto('orders')
      .values({ number: 'T-1', status: 'paid', customer_id: null, access_token_hash: null, invoice_number: null, idempotency_key: 'k-1', email: 'a@example.jp', locale: 'ja', ship_name: '山田', ship_name_kana: '', ship_line2: '', ship_postal_code: '150-0001', ship_prefecture: '東京都', ship_city: '渋谷区', ship_line1: '1-2-3', ship_phone: '0312345678', shipping_method: 'standard', shipping_fee: 0, payment_method: 'bank', payment_fee: 0, items_total: 1000, total: 1000, taxable_10: 0, tax_10: 0, taxable_8: 1000, tax_8: 74 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('order_line').values({ order_id: order.id, variant_id: variantIds[0]!, sku: 'x', product_name: 'x', variant_name: 'x', tax_rate: 8, unit_price: 1000, quantity: 1, line_total: 1000 }).execute();
    const warned = await editor.postForm(`/admin/products/${id}/delete`, {});
    assert.equal(warned.status, 409);
    assert.match(warned.text, /この商品には注文があります/);
    assert.ok(await db.selectFrom('product').select('id').where('id', '=', id).executeTakeFirst());
    assert.equal((await editor.postForm(`/admin/products/${id}/delete`, { confirm: '1' })).status, 303);
    assert.equal(await db.selectFrom('product').select('id').where('id', '=', id).executeTakeFirst(), undefined);
    const line = await db.selectFrom('order_line').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
    assert.equal(line.variant_id, null);
    assert.equal(line.product_name, 'x');
  });
});

test('categories: create, validate, rename (shown in the store at once), delete', async () => {
  const created = await editor.postForm('/admin/categories', { slug: 'tools', name_ja: '道具', name_en: 'Tools', position: '5' });
  assert.equal(created.status, 303);
  assert.match((await shopper.get('/')).text, /<a href="\/c\/tools">道具<\/a>/);
  const bad = await editor.postForm('/admin/categories', { slug: 'tools', name_ja: '', name_en: 'Dup', position: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="category-name_ja-error">入力してください。/);
  const dup = await editor.postForm('/admin/categories', { slug: 'tools', name_ja: '重複', name_en: 'Dup', position: '' });
  assert.match(dup.text, /このスラッグはすでに使われています。/);
  const row = await store.ctx.db.selectFrom('category').select('id').where('slug', '=', 'tools').executeTakeFirstOrThrow();
  assert.equal((await editor.postForm(`/admin/categories/${row.id}`, { slug: 'tools', name_ja: '器具', name_en: 'Tools', position: '5' })).status, 303);
  assert.match((await shopper.get('/')).text, /<a href="\/c\/tools">器具<\/a>/);
  assert.equal((await editor.postForm(`/admin/categories/${row.id}/delete`, {})).status, 303);
  assert.equal((await shopper.get('/c/tools')).status, 404);
});

test('permissions: customer support cannot see or change the catalog; order operators can only read', async () => {
  const support = (await staffClient(store, 'customer_support')).client;
  assert.equal((await support.get('/admin/products')).status, 403);
  assert.equal((await support.postForm('/admin/products', { ...productForm, slug: 'by-support' })).status, 403);
  assert.equal((await support.postForm('/admin/categories', { slug: 'x', name_ja: 'x', name_en: 'x' })).status, 403);
  const operator = (await staffClient(store, 'order_operator')).client;
  const list = await operator.get('/admin/products');
  assert.equal(list.status, 200);
  assert.ok(!list.text.includes('/admin/products/new'), 'no create button for a read-only role');
  const someId = (await store.ctx.db.selectFrom('product').select('id').executeTakeFirstOrThrow()).id;
  const view = await operator.get(`/admin/products/${someId}`);
  assert.equal(view.status, 200);
  assert.ok(!/<form method="post" action="\/admin\/products/.test(view.text), 'no write forms for a read-only role');
  assert.ok(!(await operator.get('/admin/categories')).text.includes('action="/admin/categories"'));
  assert.equal((await operator.postForm('/admin/products', { ...productForm, slug: 'by-operator' })).status, 403);
  assert.equal(await store.ctx.db.selectFrom('product').select('id').where('slug', 'in', ['by-support', 'by-operator']).executeTakeFirst(), undefined);
  assert.equal((await new TestClient(store.url).postForm('/admin/products', productForm)).status, 401);
});
