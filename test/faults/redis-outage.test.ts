import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestVariant } from '../../src/cart/test-products.ts';
import { throttlePolicy } from '../../src/platform/throttle/login-throttle.ts';
import { startTestStore, testDbKind, type TestStore } from '../harness.ts';
import { missingRedis, PrivateRedis } from './services.ts';
import { shopUnderLoad, tally } from './shoppers.ts';

// Issue 18: Redis (shared sign-in throttle counters) goes away under load and comes back. Two app instances
// share the database and a Redis of the test's own. Direction (README "When a service goes away"): the store keeps
// selling; sign-in throttles fail closed per instance (in-memory counters), never open; shared again afterwards.
const missing = missingRedis();
let redis: PrivateRedis | undefined;
let a: TestStore | undefined;
let b: TestStore | undefined;

before(async () => {
  if (missing) return;
  redis = await PrivateRedis.start();
  a = await startTestStore({ config: { redisUrl: redis.url, trustProxy: true } });
  b = await startTestStore({ sameDatabaseAs: a, config: { redisUrl: redis.url, trustProxy: true } });
});
after(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

let ipSeq = 0;
/** A wrong password for `email` through the API, from a new address each time (so only the account's count matters). */
async function wrongPassword(store: TestStore, email: string): Promise<number> {
  ipSeq += 1;
  const res = await fetch(`${store.url}/api/store/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-forwarded-for': `10.9.${ipSeq >> 8 & 255}.${ipSeq & 255}` },
    body: JSON.stringify({ email, password: 'not-the-password-123' }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.status;
}

const free = throttlePolicy.customer.freeFailures;

test(`Redis stopped and started under load (${testDbKind}): the store keeps selling, sign-in throttles fail closed per instance, shared again afterwards`, { skip: missing ?? false, timeout: 90_000 }, async (t) => {
  const [sa, sb] = [a!, b!];
  // Redis up: failures through A hold on B.
  const shared = `shared-${randomUUID().slice(0, 8)}@example.jp`;
  for (let i = 0; i < free; i++) assert.equal(await wrongPassword(sa, shared), 401);
  assert.equal(await wrongPassword(sb, shared), 429, 'the count made on A is seen on B');

  const variant = await createTestVariant(sa.ctx.db, { name: '限定セット', price: 1_500, stock: 10_000 });
  await redis!.stop();
  const during = `during-${randomUUID().slice(0, 8)}@example.jp`;
  const statuses: number[] = [];
  const results = await shopUnderLoad({
    base: sa.url,
    variantId: variant,
    clients: 6,
    durationMs: 6_000,
    maxAttempts: 1_000,
    during: async () => {
      // Brute force on A while Redis is away: still throttled, by A's own counters.
      for (let i = 0; i < free + 3; i++) statuses.push(await wrongPassword(sa, during));
    },
  });
  const onB = await shopUnderLoad({ base: sb.url, variantId: variant, clients: 2, durationMs: 1_000, maxAttempts: 100 });
  t.diagnostic(`shoppers while Redis was down: A ${JSON.stringify(tally(results))}, B ${JSON.stringify(tally(onB))}; sign-in answers on A: ${statuses.join(',')}`);
  assert.ok(results.length > 0 && onB.length > 0);
  for (const r of [...results, ...onB]) assert.equal(r.status, 201, `every shopper was served while Redis was down: ${JSON.stringify(tally([...results, ...onB]))}`);
  assert.deepEqual(statuses.slice(0, free), Array(free).fill(401));
  assert.deepEqual(statuses.slice(free), [429, 429, 429], 'fails closed: past the free failures every attempt is refused, Redis or not');

  await redis!.resume();
  // Shared again once Redis answers (the instances retry it after a short pause): a fresh account's failures
  // made through A are refused on B.
  let sharedAgain = false;
  const t0 = Date.now();
  while (!sharedAgain && Date.now() - t0 < 30_000) {
    const probe = `after-${randomUUID().slice(0, 8)}@example.jp`;
    for (let i = 0; i < free; i++) await wrongPassword(sa, probe);
    sharedAgain = (await wrongPassword(sb, probe)) === 429;
    if (!sharedAgain) await sleep(500);
  }
  assert.ok(sharedAgain, 'throttle state is shared between the instances again after Redis returned');
  assert.equal(await wrongPassword(sa, during), 429, 'a block A set while Redis was away still holds on A after Redis returned');
});
