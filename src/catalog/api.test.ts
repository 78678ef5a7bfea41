import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { isValidJan } from './jan.ts';
import { seedDemoCatalog } from './seed.ts';

let store: TestStore;
let api: TestClient;
before(async () => {
  store = await startTestStore({ seed: true });
  api = new TestClient(store.url);
});
after(() => store.close());

test('demo catalog: about 30 believable products, both tax classes, the two test products; a second run adds nothing', async () => {
  const { db } = store.ctx;
  const products = await db.selectFrom('product').selectAll().execute();
  assert.ok(products.length >= 28 && products.length <= 34, String(products.length));
  assert.ok(products.every((p) => p.published));
  assert.deepEqual([...new Set(products.map((p) => p.tax_class))].sort(), ['reduced', 'standard']);
  const variants = await db.selectFrom('variant').selectAll().execute();
  const bySlug = (slug: string) => variants.filter((v) => v.product_id === products.find((p) => p.slug === slug)!.id);
  for (const [slug, tax] of [['test-mug-10', 'standard'], ['test-beans-8', 'reduced']] as const) {
    assert.equal(products.find((p) => p.slug === slug)!.tax_class, tax);
    assert.equal(bySlug(slug).length, 1);
    assert.ok(bySlug(slug)[0]!.stock >= 100);
  }
  assert.equal(bySlug('ethiopia-yirgacheffe').length, 6);
  const jans = variants.map((v) => v.jan_code).filter((j): j is string => j !== null);
  assert.ok(jans.length >= 5 && jans.every(isValidJan));
  assert.ok(variants.some((v) => v.stock === 0));
  assert.ok(variants.some((v) => v.stock > 0 && v.stock <= 5));
  assert.equal(await seedDemoCatalog(db), 0);
  assert.equal((await db.selectFrom('product').select('id').execute()).length, products.length);
});

test('GET /api/store/products: paging, keyword, category, language', async () => {
  const res = await api.json('GET', '/api/store/products?per_page=5&page=2');
  assert.equal(res.status, 200);
  const body = res.json();
  assert.equal(body.items.length, 5);
  assert.equal(body.page, 2);
  assert.equal(body.pages, Math.ceil(body.total / 5));
  assert.deepEqual(Object.keys(body.items[0]).sort(), ['id', 'image_url', 'name', 'price_from', 'price_to', 'slug', 'stock_state', 'tax_class', 'tax_rate']);

  const mugs = (await api.json('GET', '/api/store/products?category=mugs&lang=en')).json();
  assert.deepEqual(mugs.items.map((i: { slug: string }) => i.slug).sort(), ['enamel-mug', 'hasami-mug', 'mashiko-mug']);
  assert.ok(mugs.items.every((i: { tax_rate: number }) => i.tax_rate === 10));
  assert.ok(mugs.items.some((i: { name: string }) => i.name === 'Mashiko-ware mug'));

  const found = (await api.json('GET', `/api/store/products?q=${encodeURIComponent('ケニア')}`)).json();
  assert.deepEqual(found.items.map((i: { slug: string }) => i.slug), ['kenya-nyeri']);
  assert.equal(found.items[0].stock_state, 'in_stock');
});

test('GET /api/store/products/:slug and the 404 error shape', async () => {
  const res = await api.json('GET', '/api/store/products/kenya-nyeri', undefined, { 'accept-language': 'en-US,en;q=0.9' });
  assert.equal(res.status, 200);
  const p = res.json();
  assert.equal(p.name, 'Kenya Nyeri AA');
  assert.equal(p.tax_rate, 8);
  assert.equal(p.category.slug, 'coffee-beans');
  assert.equal(p.variants.length, 6);
  assert.deepEqual(Object.keys(p.variants[0]).sort(), ['id', 'name', 'price', 'sku', 'stock_state'], 'exact stock counts are not published');
  assert.equal(p.variants[5].stock_state, 'low');

  const missing = await api.json('GET', '/api/store/products/no-such-thing');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json(), { error: { code: 'not_found', message: 'ページが見つかりません。' } });

  const tooMany = await api.json('GET', '/api/store/products?per_page=101');
  assert.equal(tooMany.status, 422);
  assert.equal(tooMany.json().error.code, 'validation');
  assert.ok(tooMany.json().error.fields.per_page);
});

test('GET /api/store/categories and the OpenAPI document', async () => {
  const cats = (await api.json('GET', '/api/store/categories?lang=en')).json();
  assert.deepEqual(cats.items[0], { slug: 'coffee-beans', name: 'Coffee beans' });
  const doc = (await api.json('GET', '/api/openapi.json')).json();
  const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>).flatMap((p) => Object.values(p));
  for (const id of ['listProducts', 'getProduct', 'listCategories']) {
    const op = ops.find((o) => o.operationId === id);
    assert.ok(op, id);
    assert.deepEqual(op.tags, ['Store: catalog']);
  }
});
