import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';

// Issue 18 and issue 10: readiness fails fast when no pool connection can be had; the public reads ok / not ok
// only, monitoring reads the reasons with HEALTH_TOKEN or from loopback; an exhausted pool answers 503 busy.
const TOKEN = 'health-token-for-tests-0123456789';
let store: TestStore;
let client: TestClient;
before(async () => {
  store = await startTestStore({ config: { databasePoolSize: 1, healthToken: TOKEN, healthTimeoutMs: 500, dbAcquireTimeoutMs: 700 } });
  client = new TestClient(store.url);
});
after(() => store.close());

const relayed = { 'x-forwarded-for': '203.0.113.9' };

test('the public reads ok only; the token or a loopback client reads the details', async () => {
  for (const path of ['/healthz', '/readyz']) {
    const local = await client.get(path);
    assert.equal(local.status, 200);
    const details = local.json();
    assert.equal(details.status, 'ok');
    assert.equal(details.database, store.ctx.database.kind);
    assert.ok(['enabled', 'disabled'].includes(details.cardCheckout));
    assert.deepEqual(Object.keys(details.pool).sort(), ['idle', 'size', 'waiting']);

    // T4: through a proxy (even one on this host) a visitor learns nothing but ok.
    const pub = await client.get(path, relayed);
    assert.equal(pub.status, 200);
    assert.deepEqual(pub.json(), { status: 'ok' });
    assert.deepEqual((await client.get(path, { ...relayed, authorization: 'Bearer wrong-token-wrong-token' })).json(), { status: 'ok' });
    assert.deepEqual((await client.get(path, { ...relayed, authorization: `Bearer ${TOKEN}` })).json(), details);
    assert.equal(pub.headers.get('cache-control'), 'no-store');
  }
});

test('with every pool connection held: /healthz and /readyz answer 503 within the bound, a request 503 busy with Retry-After', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const holder = store.ctx.db.transaction().execute(async () => {
    entered();
    await held;
  });
  await inside;
  try {
    const t0 = performance.now();
    const health = await client.get('/healthz');
    const took = performance.now() - t0;
    assert.equal(health.status, 503);
    assert.equal(health.json().status, 'unavailable');
    assert.equal(health.json().reason, 'database_timeout');
    assert.ok(took < 3000, `answered in ${Math.round(took)} ms`);
    assert.deepEqual((await client.get('/readyz', relayed)).json(), { status: 'unavailable' });

    const api = await client.json('POST', '/api/store/carts');
    assert.equal(api.status, 503, api.text);
    assert.equal(api.json().error.code, 'busy');
    assert.match(api.json().error.message, /混み合って/);
    assert.ok(Number(api.headers.get('retry-after')) > 0);
    const page = await new TestClient(store.url, { 'accept-language': 'en' }).get('/cart?lang=en');
    assert.equal(page.status, 503);
    assert.match(page.text, /We are very busy right now/);
  } finally {
    release();
    await holder;
  }
  assert.equal((await client.get('/healthz')).status, 200, 'ready again once a connection is free');
});
