import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

test('issue 16: images move earlier or later one step; the listing image is the first', async () => {
  const { db } = store.ctx;
  const p = await db.insertInto('product').values({ slug: 'img-order', name_ja: '並べ替え', name_en: 'Order', tax_class: 'standard' }).returning('id').executeTakeFirstOrThrow();
  const ids: number[] = [];
  for (const n of [1, 2, 3]) ids.push((await db.insertInto('product_image').values({ product_id: p.id, file_name: `${String(n).repeat(32)}.png`, content_type: 'image/png', byte_size: 1, position: 0 }).returning('id').executeTakeFirstOrThrow()).id);
  const order = async () => (await db.selectFrom('product_image').select('id').where('product_id', '=', p.id).orderBy('position').orderBy('id').execute()).map((r) => r.id);
  const { client } = await staffClient(store, 'content_editor');
  const page = await client.get(`/admin/products/${p.id}`);
  assert.match(page.text, /後へ →/);
  assert.equal((await client.postForm(`/admin/products/${p.id}/images/${ids[2]}/move`, { direction: 'up' })).status, 303);
  assert.deepEqual(await order(), [ids[0], ids[2], ids[1]]);
  await client.postForm(`/admin/products/${p.id}/images/${ids[2]}/move`, { direction: 'up' });
  assert.deepEqual(await order(), [ids[2], ids[0], ids[1]]);
  await client.postForm(`/admin/products/${p.id}/images/${ids[2]}/move`, { direction: 'up' });
  assert.deepEqual(await order(), [ids[2], ids[0], ids[1]], 'the first cannot move earlier');
  await client.postForm(`/admin/products/${p.id}/images/${ids[0]}/move`, { direction: 'down' });
  assert.deepEqual(await order(), [ids[2], ids[1], ids[0]]);
  assert.equal((await client.postForm(`/admin/products/${p.id}/images/${ids[0]}/move`, { direction: 'sideways' })).status, 422);
  const { client: operator } = await staffClient(store, 'order_operator');
  assert.equal((await operator.postForm(`/admin/products/${p.id}/images/${ids[0]}/move`, { direction: 'up' })).status, 403);
});
