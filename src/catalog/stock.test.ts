import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { AppError } from '../platform/http/errors.ts';
import { reserveStock } from './stock.ts';

let store: TestStore;
let variantId: number;
before(async () => {
  store = await startTestStore({ listen: false });
  const { db } = store.ctx;
  const p = await db.insertInto('product').values({ slug: 'beans', name_ja: '豆', name_en: 'Beans', tax_class: 'reduced', published: true }).returning('id').executeTakeFirstOrThrow();
  variantId = (await db.insertInto('variant').values({ product_id: p.id, sku: 'B-1', name_ja: '200g', name_en: '200g', price: 1500, stock: 10 }).returning('id').executeTakeFirstOrThrow()).id;
});
after(() => store.close());

test('50 concurrent reservations of one unit against 10 in stock: exactly 10 succeed', async () => {
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () => store.ctx.db.transaction().execute((trx) => reserveStock(trx, [{ variantId, quantity: 1 }]))),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const soldOut = results.filter((r) => r.status === 'rejected' && r.reason instanceof AppError && r.reason.code === 'sold_out').length;
  assert.equal(ok, 10);
  assert.equal(soldOut, 40);
  const row = await store.ctx.db.selectFrom('variant').select('stock').where('id', '=', variantId).executeTakeFirstOrThrow();
  assert.equal(row.stock, 0);
});

test('a short line rolls back the lines reserved before it', async () => {
  const { db } = store.ctx;
  await db.updateTable('variant').set({ stock: 3 }).where('id', '=', variantId).execute();
  await assert.rejects(db.transaction().execute((trx) => reserveStock(trx, [{ variantId, quantity: 2 }, { variantId, quantity: 2 }])), (e) => e instanceof AppError && e.code === 'sold_out');
  assert.equal((await db.selectFrom('variant').select('stock').where('id', '=', variantId).executeTakeFirstOrThrow()).stock, 3);
});
