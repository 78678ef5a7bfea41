import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken } from '../platform/crypto/tokens.ts';
import { ownsOrder } from './policy.ts';
import { canView } from './queries.ts';

const token = hashToken('guest-cart-token');
const other = hashToken('someone-else');

test('an order placed by a signed-in customer belongs to that customer only', () => {
  const order = { customerId: 7, accessTokenHash: token };
  assert.equal(ownsOrder(order, { customerId: 7, tokenHash: null }), true);
  assert.equal(ownsOrder(order, { customerId: 8, tokenHash: token }), false);
  // T4 (issue 11): a guest token, even the very one the customer's browser held, never opens a customer's order.
  assert.equal(ownsOrder(order, { customerId: null, tokenHash: token }), false);
  assert.equal(canView(order, { customerId: null, accessTokenHash: token }), false);
});

test('a guest order belongs to the holder of its cart token', () => {
  const order = { customerId: null, accessTokenHash: token };
  assert.equal(ownsOrder(order, { customerId: null, tokenHash: token }), true);
  assert.equal(ownsOrder(order, { customerId: 3, tokenHash: token }), true); // the same browser, signed in since
  assert.equal(ownsOrder(order, { customerId: null, tokenHash: other }), false);
  assert.equal(ownsOrder(order, { customerId: 3, tokenHash: null }), false);
  assert.equal(ownsOrder(order, { customerId: null, tokenHash: null }), false);
  assert.equal(ownsOrder(order, { customerId: null, tokenHash: token.slice(1) }), false); // other length: no throw
  assert.equal(ownsOrder({ customerId: null, accessTokenHash: null }, { customerId: null, tokenHash: null }), false);
});

test('the checkout, the order command and the order queries use the one rule', async () => {
  const { readFile } = await import('node:fs/promises');
  for (const file of ['../checkout/service.ts', './commands/place-order.ts', './queries.ts']) {
    const text = await readFile(new URL(file, import.meta.url), 'utf8');
    assert.match(text, /ownsOrder\(/, `${file} decides ownership with orders/policy.ts`);
    assert.doesNotMatch(text, /access_?[tT]oken_?[hH]ash\s*===|===\s*\w+\.access_?[tT]oken_?[hH]ash/, `${file} compares tokens itself`);
  }
});
