import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from './client.ts';
import { startTestStore, type TestStore } from './harness.ts';
import { staffClient } from './sessions.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

test('health check answers JSON', async () => {
  const res = await new TestClient(store.url).get('/healthz');
  assert.equal(res.status, 200);
  assert.equal(res.json().status, 'ok');
});

test('admin requires a staff session; a signed-in owner sees the dashboard', async () => {
  const anon = await new TestClient(store.url).get('/admin');
  assert.equal(anon.status, 303);
  assert.match(anon.location ?? '', /^\/admin\/sign-in/);
  const { client } = await staffClient(store, 'owner');
  const res = await client.get('/admin');
  assert.equal(res.status, 200);
  assert.match(res.text, /ダッシュボード/);
});

test('a cross-site form post is refused before any handler runs', async () => {
  const { client } = await staffClient(store, 'owner');
  const res = await client.postForm('/admin/sign-out', {}, { origin: 'https://evil.example' });
  assert.equal(res.status, 403);
});
