import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient } from '../../test/sessions.ts';
import { createSession, sessionCookieBase } from '../identity/sessions/sessions.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import { cartCookieBase } from './owner.ts';
import { createTestVariant, setPublished, setStock } from './test-products.ts';

let store: TestStore;
let cookieName: string;
before(async () => {
  store = await startTestStore();
  cookieName = store.services.cookies.name(cartCookieBase);
});
after(() => store.close());

const add = (c: TestClient, variantId: number | string, quantity: number | string = 1) => c.postForm('/cart/items', { variant_id: variantId, quantity });
const cartCount = async () => Number((await store.ctx.db.selectFrom('cart').select(store.ctx.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

test('a guest cart lives in an HttpOnly cookie and survives across requests', async () => {
  const beans = await createTestVariant(store.ctx.db, { name: '<b>深煎り</b>豆', price: 1_500, reduced: true });
  const c = new TestClient(store.url);
  const empty = await c.get('/cart');
  assert.equal(empty.status, 200);
  assert.match(empty.text, /カートに商品はありません/);
  assert.equal(c.cookie(cookieName), undefined, 'viewing the cart creates no cookie');

  const res = await add(c, beans, 2);
  assert.equal(res.status, 303);
  assert.equal(res.location, '/cart?notice=added');
  const setCookie = res.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /HttpOnly/i);
  assert.match(setCookie, /SameSite=Lax/i);
  const token = c.cookie(cookieName)!;
  assert.ok(token.length >= 43, 'a 256-bit token');
  const row = await store.ctx.db.selectFrom('cart').select('token_hash').where('token_hash', '=', hashToken(token)).executeTakeFirst();
  assert.ok(row, 'only the SHA-256 of the token is stored');
  assert.equal(await store.ctx.db.selectFrom('cart').select('id').where('token_hash', '=', token).executeTakeFirst(), undefined);

  await add(c, beans, 1);
  const page = await c.get('/cart?notice=added');
  assert.match(page.text, /カートに商品を追加しました/);
  assert.match(page.text, /&lt;b&gt;深煎り&lt;\/b&gt;豆/, 'names are escaped');
  assert.match(page.text, /value="3"/);
  assert.match(page.text, /¥4,500/);
  assert.match(page.text, /軽減税率/);
  assert.match(page.text, /href="\/checkout"[^>]*>レジに進む/);
  assert.match(page.text, /aria-current="step">カート/);

  const other = await new TestClient(store.url).get('/cart');
  assert.match(other.text, /カートに商品はありません/, 'another browser does not see it');
});

test('bad, unknown and sold-out items are refused with a clear message and nothing is created', async () => {
  const soldOut = await createTestVariant(store.ctx.db, { name: '限定ブレンド', stock: 0 });
  const few = await createTestVariant(store.ctx.db, { name: '少量ロット', stock: 2 });
  const hidden = await createTestVariant(store.ctx.db, { published: false });
  const c = new TestClient(store.url);
  const before = await cartCount();

  for (const q of [0, 100, 'abc', '']) {
    const res = await add(c, few, q);
    assert.equal(res.status, 422, `quantity ${q}`);
    assert.match(res.text, /数量:/);
  }
  for (const v of ['x', 999_999, hidden]) {
    const res = await add(c, v);
    assert.equal(res.status, 422);
    assert.match(res.text, /この商品は見つかりませんでした/);
  }
  const out = await add(c, soldOut);
  assert.equal(out.status, 409);
  assert.match(out.text, /「限定ブレンド」は売り切れです/);
  const tooMany = await add(c, few, 3);
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.text, /在庫は残り2点です/);

  assert.equal(await cartCount(), before, 'no cart was created');
  assert.equal(c.cookie(cookieName), undefined);

  const en = await c.postForm('/cart/items', { variant_id: soldOut, quantity: 1 }, { 'accept-language': 'en' });
  assert.match(en.text, /is sold out/);
});

test('quantities can be changed and lines removed; a refused change is shown next to its field', async () => {
  const v = await createTestVariant(store.ctx.db, { price: 800, stock: 5 });
  const c = new TestClient(store.url);
  await add(c, v, 1);
  const up = await c.postForm(`/cart/items/${v}`, { quantity: 4 });
  assert.equal(up.status, 303);
  assert.equal(up.location, '/cart?notice=updated');
  assert.match((await c.get('/cart')).text, /¥3,200/);

  const tooMany = await c.postForm(`/cart/items/${v}`, { quantity: 6 });
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.text, new RegExp(`id="qty-${v}"[^>]*value="6"[^>]*aria-invalid="true"[^>]*aria-describedby="qty-${v}-error"`));
  assert.match(tooMany.text, /在庫は残り5点です/);
  const bad = await c.postForm(`/cart/items/${v}`, { quantity: -1 });
  assert.equal(bad.status, 422);
  assert.match((await c.get('/cart')).text, /¥3,200/, 'unchanged after refusals');

  const zero = await c.postForm(`/cart/items/${v}`, { quantity: 0 });
  assert.equal(zero.location, '/cart?notice=removed');
  assert.match((await c.get('/cart')).text, /カートに商品はありません/);

  await add(c, v, 2);
  const del = await c.postForm(`/cart/items/${v}/delete`, {});
  assert.equal(del.status, 303);
  assert.match((await c.get('/cart')).text, /カートに商品はありません/);
});

test('a cart token planted in the browser is never adopted', async () => {
  const v = await createTestVariant(store.ctx.db);
  const c = new TestClient(store.url);
  c.setCookie(cookieName, 'chosen-by-an-attacker');
  await add(c, v);
  assert.notEqual(c.cookie(cookieName), 'chosen-by-an-attacker');
  assert.equal(await store.ctx.db.selectFrom('cart').select('id').where('token_hash', '=', hashToken('chosen-by-an-attacker')).executeTakeFirst(), undefined);
});

test('a signed-in customer’s cart follows them to another device', async () => {
  const v = await createTestVariant(store.ctx.db, { name: '旅するブレンド' });
  const { client: laptop, customerId } = await customerClient(store);
  await add(laptop, v, 2);
  assert.equal(laptop.cookie(cookieName), undefined, 'no guest cookie for a customer');
  const phone = new TestClient(store.url);
  phone.setCookie(store.services.cookies.name(sessionCookieBase.store), await createSession(store.ctx.db, 'store', { customerId }));
  const page = await phone.get('/cart');
  assert.match(page.text, /旅するブレンド/);
  assert.match(page.text, /value="2"/);
});

test('signing in merges the guest cart: quantities add up, capped at 99 and at stock', async () => {
  const db = store.ctx.db;
  const a = await createTestVariant(db, { stock: 500 });
  const b = await createTestVariant(db, { stock: 3 });
  const c = await createTestVariant(db, { stock: 10 });
  const guest = new TestClient(store.url);
  await add(guest, a, 60);
  await add(guest, b, 3);
  await add(guest, c, 1);
  const { client: customer, customerId } = await customerClient(store);
  await add(customer, a, 50);
  await add(customer, b, 1);
  const guestHash = hashToken(guest.cookie(cookieName)!);
  await db.transaction().execute((trx) => store.services.cart.mergeIntoCustomer(trx, guestHash, customerId));
  const view = await store.services.cart.view({ customerId, tokenHash: null }, 'ja');
  const qty = Object.fromEntries(view.lines.map((l) => [l.variantId, l.quantity]));
  assert.deepEqual(qty, { [a]: 99, [b]: 3, [c]: 1 });
  assert.equal(await db.selectFrom('cart').select('id').where('token_hash', '=', guestHash).executeTakeFirst(), undefined, 'guest cart deleted');
});

test('unpublished or short lines are marked unavailable and block checkout', async () => {
  const db = store.ctx.db;
  const gone = await createTestVariant(db, { name: '終売品' });
  const short = await createTestVariant(db, { name: '残りわずか', stock: 5 });
  const c = new TestClient(store.url);
  await add(c, gone);
  await add(c, short, 4);
  await setPublished(db, gone, false);
  await setStock(db, short, 2);
  const page = await c.get('/cart');
  assert.match(page.text, /現在お取り扱いしていません/);
  assert.match(page.text, /在庫が不足しています（残り2点）/);
  assert.match(page.text, /<button type="button" class="btn btn-primary" disabled[^>]*>レジに進む/);
  assert.doesNotMatch(page.text, /href="\/checkout"/);
  // lowering the quantity to what is left is allowed and clears that line's problem
  assert.equal((await c.postForm(`/cart/items/${short}`, { quantity: 2 })).status, 303);
  await c.postForm(`/cart/items/${gone}/delete`, {});
  assert.match((await c.get('/cart')).text, /href="\/checkout"/);
});

test('API: guest carts by X-Cart-Token, with JSON errors', async () => {
  const v = await createTestVariant(store.ctx.db, { price: 1_200, stock: 4 });
  const api = new TestClient(store.url);
  const created = await api.json('POST', '/api/store/carts');
  assert.equal(created.status, 201);
  const { token } = created.json();
  const h = { 'x-cart-token': token };
  const added = await api.json('POST', '/api/store/cart/items', { variant_id: v, quantity: 2 }, h);
  assert.equal(added.status, 200);
  assert.equal(added.json().items_total, 2_400);
  const patched = await api.json('PATCH', `/api/store/cart/items/${v}`, { quantity: 3 }, h);
  assert.equal(patched.json().lines[0].quantity, 3);
  const tooMany = await api.json('PATCH', `/api/store/cart/items/${v}`, { quantity: 5 }, h);
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.json().error.fields.quantity, /在庫は残り4点/);
  const invalid = await api.json('POST', '/api/store/cart/items', { variant_id: v, quantity: 100 }, h);
  assert.equal(invalid.status, 422);
  assert.ok(invalid.json().error.fields.quantity);
  const got = await api.json('GET', '/api/store/cart', undefined, h);
  assert.equal(got.json().item_count, 3);
  const removed = await api.json('DELETE', `/api/store/cart/items/${v}`, undefined, h);
  assert.equal(removed.json().lines.length, 0);

  assert.equal((await api.json('GET', '/api/store/cart')).status, 401);
  const unknown = await api.json('GET', '/api/store/cart', undefined, { 'x-cart-token': 'made-up' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().error.code, 'not_found');
  // The API ignores cookies entirely: a browser cart cookie opens nothing there.
  const browser = new TestClient(store.url);
  await add(browser, v);
  assert.equal((await browser.json('GET', '/api/store/cart')).status, 401);
});

test('stale guest carts are purged on schedule; fresh guest carts and customer carts stay', async () => {
  const { db } = store.ctx;
  const stale = await db.insertInto('cart').values({ token_hash: 'a'.repeat(64) }).returning('id').executeTakeFirstOrThrow();
  const fresh = await db.insertInto('cart').values({ token_hash: 'b'.repeat(64) }).returning('id').executeTakeFirstOrThrow();
  await db.updateTable('cart').set({ updated_at: new Date(Date.now() - 31 * 24 * 3600_000) }).where('id', '=', stale.id).execute();
  await store.ctx.scheduler.runNow('purge-stale-carts');
  const left = (await db.selectFrom('cart').select('id').where('id', 'in', [stale.id, fresh.id]).execute()).map((r) => r.id);
  assert.deepEqual(left, [fresh.id]);
});
