import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import { decryptCustomer } from './customers/customer-data.ts';

let store: TestStore;
let api: TestClient;
before(async () => {
  store = await startTestStore();
  api = new TestClient(store.url);
});
after(() => store.close());

const password = 'api-customer-pass';

test('register: 202 either way, validation errors are localized JSON, no enumeration', async () => {
  const bad = await api.json('POST', '/api/store/customers', { name: '', email: 'nope', password: 'short' }, { 'accept-language': 'en' });
  assert.equal(bad.status, 422);
  assert.equal(bad.json().error.code, 'validation');
  // Per-field messages exist; their exact wording depends on the platform's mapping of zod issues.
  assert.deepEqual(Object.keys(bad.json().error.fields).sort(), ['email', 'name', 'password']);
  assert.equal(bad.json().error.message, 'Please check what you entered.');

  const first = await api.json('POST', '/api/store/customers', { name: 'API 花子', email: 'api@example.jp', password });
  const again = await api.json('POST', '/api/store/customers', { name: 'Mallory', email: 'API@example.jp', password: 'someone-else-pass' });
  assert.equal(first.status, 202);
  assert.equal(again.status, 202);
  assert.deepEqual(again.json(), first.json());
  const rows = await store.ctx.db.selectFrom('customer').select(['id', 'name', 'email']).execute();
  assert.deepEqual(await Promise.all(rows.map(async (r) => { const { name, email } = await decryptCustomer(store.ctx.vault, r); return { name, email }; })), [{ name: 'API 花子', email: 'api@example.jp' }]);
});

test('sign in, read me, sign out: the token dies server-side', async () => {
  const unknown = await api.json('POST', '/api/store/sessions', { email: 'nobody@example.jp', password });
  const wrong = await api.json('POST', '/api/store/sessions', { email: 'api@example.jp', password: 'wrong-password' });
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.deepEqual(unknown.json(), wrong.json());

  const merges: string[] = [];
  const original = store.services.cart.mergeIntoCustomer;
  store.services.cart.mergeIntoCustomer = async (_trx, hash) => void merges.push(hash);
  let res;
  try {
    res = await api.json('POST', '/api/store/sessions', { email: 'Api@Example.jp', password }, { 'x-cart-token': 'guest-token', 'user-agent': 'omamori-test/1.0' });
  } finally {
    store.services.cart.mergeIntoCustomer = original;
  }
  assert.equal(res.status, 200);
  const { token, customer } = res.json();
  assert.match(token, /^[\w-]{43}$/);
  assert.equal(customer.email, 'api@example.jp');
  assert.deepEqual(merges, [hashToken('guest-token')]);
  assert.equal(res.headers.get('set-cookie'), null, 'the API sets no cookies');
  const session = await store.ctx.db.selectFrom('session').select('user_agent').where('id_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  assert.equal(session.user_agent, 'omamori-test/1.0', 'other headers survive schema validation');

  const auth = { authorization: `Bearer ${token}` };
  const me = await api.json('GET', '/api/store/customers/me', undefined, auth);
  assert.equal(me.status, 200);
  assert.deepEqual(me.json(), { id: customer.id, name: 'API 花子', name_kana: '', email: 'api@example.jp', phone: '' });
  assert.equal((await api.json('GET', '/api/store/customers/me')).status, 401);
  assert.equal((await api.json('GET', '/api/store/customers/me', undefined, { authorization: 'Bearer not-a-real-token-but-long-enough' })).status, 401);

  // A session cookie is ignored by the API.
  const cookieOnly = new TestClient(store.url);
  cookieOnly.setCookie(store.services.cookies.name('session'), token);
  assert.equal((await cookieOnly.json('GET', '/api/store/customers/me')).status, 401);

  assert.equal((await api.json('DELETE', '/api/store/sessions/current', undefined, auth)).status, 204);
  assert.equal((await api.json('GET', '/api/store/customers/me', undefined, auth)).status, 401);
  assert.equal((await api.json('DELETE', '/api/store/sessions/current', undefined, auth)).status, 401);
});

test('the OpenAPI document names every operation', async () => {
  const doc = (await api.get('/api/openapi.json')).json();
  const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>).flatMap((p) => Object.values(p));
  for (const id of ['registerCustomer', 'signInCustomer', 'signOutCustomer', 'getCurrentCustomer']) {
    const op = ops.find((o) => o.operationId === id);
    assert.ok(op, id);
    assert.deepEqual(op.tags, ['Store: customers']);
  }
});
