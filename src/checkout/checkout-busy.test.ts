import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, testDbKind, type TestStore } from '../../test/harness.ts';
import { createTestVariant } from '../cart/test-products.ts';

// Issue 18: a checkout that cannot get its stock row (PostgreSQL: CHECKOUT_LOCK_TIMEOUT_MS) or a connection at all
// (DB_ACQUIRE_TIMEOUT_MS; the embedded database's single connection) answers 503 busy with Retry-After, in the
// shopper's language, and changes nothing: no order, the stock and the cart as they were, and a retry succeeds.
let store: TestStore;
let api: TestClient;
before(async () => {
  store = await startTestStore({ config: { checkoutLockTimeoutMs: 300, dbAcquireTimeoutMs: 800 } });
  api = new TestClient(store.url);
});
after(() => store.close());

const body = { email: 'busy@example.jp', shipping_address: { name: '佐藤 一郎', name_kana: 'サトウ イチロウ', postal_code: '530-0001', prefecture: '大阪府', city: '大阪市北区', line1: '梅田1-1-1', phone: '06-1234-5678' }, shipping_method: 'standard', payment_method: 'bank_transfer' };

test('a checkout that cannot get its stock row in time: 503 busy with Retry-After, nothing changed, a retry places the order', async () => {
  const { db } = store.ctx;
  const variant = await createTestVariant(db, { price: 2_000, stock: 3 });
  const { token } = (await api.json('POST', '/api/store/carts')).json();
  const headers = { 'x-cart-token': token };
  assert.equal((await api.json('POST', '/api/store/cart/items', { variant_id: variant, quantity: 1 }, headers)).status, 200);
  const key = randomUUID();

  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const ready = new Promise<void>((r) => (locked = r));
  let holder: Promise<unknown>;
  if (testDbKind === 'postgres') {
    // Another session holds the stock row (another buyer's transaction between its stock update and its commit).
    const pg = (await import('pg')).default;
    const other = new pg.Client({ connectionString: store.ctx.config.databaseUrl });
    await other.connect();
    await other.query('begin');
    await other.query('update variant set stock = stock where id = $1', [variant]);
    locked();
    holder = held.then(async () => {
      await other.query('rollback');
      await other.end();
    });
  } else {
    // The embedded database's one connection is taken by a transaction that does not finish in time.
    holder = db.transaction().execute(async () => {
      locked();
      await held;
    });
  }
  await ready;
  try {
    const res = await api.json('POST', '/api/store/checkout', body, { ...headers, 'idempotency-key': key, 'accept-language': 'en' });
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json().error.code, 'busy');
    assert.match(res.json().error.message, /very busy.*Nothing was ordered/);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
  } finally {
    release();
    await holder;
  }
  assert.equal((await db.selectFrom('orders').select('id').where('idempotency_key', '=', key).execute()).length, 0, 'no order');
  assert.equal((await db.selectFrom('variant').select('stock').where('id', '=', variant).executeTakeFirstOrThrow()).stock, 3, 'stock unchanged');
  assert.equal((await api.json('GET', '/api/store/cart', undefined, headers)).json().item_count, 1, 'the cart is intact');

  const retry = await api.json('POST', '/api/store/checkout', body, { ...headers, 'idempotency-key': key });
  assert.equal(retry.status, 201, retry.text);
  assert.equal((await db.selectFrom('variant').select('stock').where('id', '=', variant).executeTakeFirstOrThrow()).stock, 2);
});
