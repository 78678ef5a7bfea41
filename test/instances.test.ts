import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from './client.ts';
import { startTestStore, type TestStore } from './harness.ts';
import { staffClient } from './sessions.ts';

// Two app instances behind a load balancer share one database: a change made through one must show on the other at once.
let a: TestStore;
let b: TestStore;
before(async () => {
  a = await startTestStore({ seed: true });
  b = await startTestStore({ sameDatabaseAs: a });
});
after(async () => {
  await b.close();
  await a.close();
});

const eventually = async (check: () => Promise<boolean>, ms = 5000) => {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
};

test('an admin change on one instance is visible on the other: price, publishing, shop settings', async () => {
  const shopper = new TestClient(b.url);
  const first = await shopper.get('/p/test-mug-10');
  assert.equal(first.status, 200);
  assert.match(first.text, /テスト用 マグカップ/); // cached on instance b now

  const variant = await a.ctx.db
    .selectFrom('variant')
    .innerJoin('product', 'product.id', 'variant.product_id')
    .select(['variant.id', 'product.id as productId'])
    .where('product.slug', '=', 'test-mug-10')
    .executeTakeFirstOrThrow();
  await a.services.catalog.write((trx) => trx.updateTable('variant').set({ price: 9876 }).where('id', '=', variant.id).execute());
  assert.ok(await eventually(async () => (await shopper.get('/p/test-mug-10')).text.includes('9,876')), 'new price visible on instance b');

  await a.services.catalog.write((trx) => trx.updateTable('product').set({ published: false }).where('id', '=', variant.productId).execute());
  assert.ok(await eventually(async () => (await shopper.get('/p/test-mug-10')).status === 404), 'unpublished product gone on instance b');

  const { client } = await staffClient(a, 'owner');
  const settings = await a.services.shop.get();
  const res = await client.postForm('/admin/settings', { ...settings, name: '二号店テスト', free_shipping_threshold: '', invoice_number: settings.invoice_number ?? '', bank_transfer_days: String(settings.bank_transfer_days) } as never);
  assert.equal(res.status, 303);
  assert.ok(await eventually(async () => (await shopper.get('/')).text.includes('二号店テスト')), 'shop name visible on instance b');
});

test('stock taken by an order on one instance shows as sold out on the other', async () => {
  const variant = await a.ctx.db
    .selectFrom('variant')
    .innerJoin('product', 'product.id', 'variant.product_id')
    .select(['variant.id', 'variant.stock'])
    .where('product.slug', '=', 'test-beans-8')
    .executeTakeFirstOrThrow();
  const shopper = new TestClient(b.url);
  assert.doesNotMatch((await shopper.get('/p/test-beans-8')).text, /売り切れ/);
  await a.ctx.db.transaction().execute((trx) => a.services.catalog.reserveStock(trx, [{ variantId: variant.id, quantity: variant.stock }]));
  assert.ok(await eventually(async () => (await shopper.get('/p/test-beans-8')).text.includes('売り切れ')), 'sold out on instance b');
});
