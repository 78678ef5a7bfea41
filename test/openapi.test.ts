import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from './client.ts';
import { startTestStore, type TestStore } from './harness.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

/** The Store API that integrators rely on (issue: "a JSON API for integrators"). */
const requiredOperations = [
  'listProducts',
  'getProduct',
  'listCategories',
  'createCart',
  'getCart',
  'addCartItem',
  'updateCartItem',
  'removeCartItem',
  'placeOrder',
  'registerCustomer',
  'signInCustomer',
  'getCurrentCustomer',
  'listMyOrders',
  'getOrder',
];

test('the OpenAPI document is valid 3.x JSON with an operationId on every operation', async () => {
  const res = await new TestClient(store.url).get('/api/openapi.json');
  assert.equal(res.status, 200);
  const doc = res.json();
  assert.match(doc.openapi, /^3\./);
  const ids: string[] = [];
  for (const [path, item] of Object.entries<Record<string, { operationId?: string }>>(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      assert.ok(op.operationId, `${method.toUpperCase()} ${path} has no operationId`);
      ids.push(op.operationId);
    }
  }
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const id of requiredOperations) assert.ok(ids.includes(id), `missing operation ${id}`);
});
