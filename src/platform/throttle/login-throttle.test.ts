import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { AppContext } from '../context.ts';
import { closeRedis, openRedis } from '../redis.ts';
import { MemoryCounterStore } from './counter-store.ts';
import { ipBucket } from '../http/networks.ts';
import { createLoginThrottle, LoginThrottledError, throttlePolicy, type LoginThrottle, type SignInAttempt, type ThrottlePolicy } from './login-throttle.ts';

const log = pino({ level: 'silent' });
const fakeCtx = (redisUrl?: string) => ({ config: { redisUrl }, log, redis: openRedis(redisUrl, log) }) as unknown as AppContext;

/** A throttle on in-memory counters with a clock the test moves. */
function clocked(policy: ThrottlePolicy = throttlePolicy) {
  let t = Date.parse('2026-11-21T10:00:00Z');
  const now = () => t;
  const throttle = createLoginThrottle(fakeCtx(), { store: new MemoryCounterStore(100_000, now), now, policy });
  return { throttle, advance: (ms: number) => void (t += ms) };
}

/** The seconds a refused check asks to wait, or 0 when the attempt may go ahead. */
async function waitOf(throttle: LoginThrottle, a: SignInAttempt): Promise<number> {
  try {
    await throttle.check(a);
    return 0;
  } catch (err) {
    assert.ok(err instanceof LoginThrottledError);
    assert.equal(err.status, 429);
    assert.equal(err.detail.headers?.['retry-after'], String(err.retryAfterSeconds));
    return err.retryAfterSeconds;
  }
}

describe('staff accounts (PCI DSS 8.3.4)', () => {
  test('lock after 10 failures for 30 minutes; an owner can unlock; the lock expires', async () => {
    const { throttle, advance } = clocked();
    const a: SignInAttempt = { realm: 'admin', account: 'owner@example.jp', ip: '198.51.100.7' };
    for (let i = 1; i <= 10; i++) {
      assert.equal(await waitOf(throttle, { ...a, ip: `198.51.100.${i}` }), 0, `attempt ${i} is let through`);
      await throttle.failure({ ...a, ip: `198.51.100.${i}` });
    }
    // Locked for the account, from any address.
    assert.equal(await waitOf(throttle, { ...a, ip: '203.0.113.99' }), 30 * 60);
    assert.deepEqual(await throttle.status('admin', 'OWNER@example.jp'), { failures: 10, retryAfterSeconds: 1800, locked: true });
    advance(29 * 60_000);
    assert.equal(await waitOf(throttle, a), 60, 'still locked after 29 minutes');
    advance(60_000);
    assert.equal(await waitOf(throttle, a), 0, 'the lock expires after 30 minutes');
    await throttle.failure(a);
    assert.equal(await waitOf(throttle, a), 1800, 'the next failure locks again at once');
    await throttle.unlock('admin', 'owner@example.jp');
    assert.equal(await waitOf(throttle, a), 0, 'unlocked by an owner');
    assert.equal((await throttle.status('admin', 'owner@example.jp')).failures, 0);
  });

  test('a customer account with the same e-mail is counted separately from the staff account', async () => {
    const { throttle } = clocked();
    for (let i = 0; i < 10; i++) await throttle.failure({ realm: 'admin', account: 'same@example.jp', ip: `192.0.2.${i}` });
    assert.ok((await waitOf(throttle, { realm: 'admin', account: 'same@example.jp', ip: '192.0.2.200' })) > 0);
    assert.equal(await waitOf(throttle, { realm: 'store', account: 'same@example.jp', ip: '192.0.2.200' }), 0);
  });
});

describe('customer accounts', () => {
  test('5 free failures, then an escalating delay (30 s, 60 s, 120 s … 15 min); store and API share the count; success clears it', async () => {
    const { throttle, advance } = clocked();
    const store: SignInAttempt = { realm: 'store', account: 'hanako@example.jp', ip: '192.0.2.1' };
    const api: SignInAttempt = { ...store, realm: 'api', ip: '192.0.2.2' };
    for (let i = 0; i < 4; i++) await throttle.failure(i % 2 ? api : store);
    assert.equal(await waitOf(throttle, store), 0);
    await throttle.failure(api);
    assert.equal(await waitOf(throttle, store), 30);
    assert.equal(await waitOf(throttle, { ...api, ip: '203.0.113.5' }), 30, 'from any address, over the API too');
    advance(30_000);
    assert.equal(await waitOf(throttle, store), 0);
    await throttle.failure(store);
    assert.equal(await waitOf(throttle, store), 60);
    advance(60_000);
    await throttle.failure(store);
    assert.equal(await waitOf(throttle, store), 120);
    for (let i = 0; i < 10; i++) {
      advance(15 * 60_000);
      await throttle.failure(store);
    }
    assert.equal(await waitOf(throttle, store), 15 * 60, 'capped at 15 minutes: never a hard lock for customers');
    advance(15 * 60_000);
    await throttle.success(store);
    await throttle.failure(store);
    assert.equal(await waitOf(throttle, store), 0, 'a successful sign-in starts the count afresh');
  });
});

test('a known device of the account is not held up by the account delay, until it fails 5 times itself', async () => {
  const { throttle } = clocked();
  const attacker: SignInAttempt = { realm: 'store', account: 'owner@example.jp', ip: '203.0.113.1' };
  for (let i = 0; i < 8; i++) await throttle.failure({ ...attacker, ip: `203.0.113.${i}` });
  assert.ok((await waitOf(throttle, attacker)) > 0);
  const home: SignInAttempt = { realm: 'store', account: 'owner@example.jp', ip: '192.0.2.1', knownDevice: 'device-hash-1' };
  assert.equal(await waitOf(throttle, home), 0);
  await throttle.success(home);
  assert.ok((await waitOf(throttle, attacker)) > 0, 'the owner signing in does not reset the attacker\'s wait');
  for (let i = 0; i < 5; i++) await throttle.failure(home);
  assert.ok((await waitOf(throttle, home)) > 0, 'a known device that keeps failing waits like everyone else');
  assert.ok((await waitOf(throttle, { realm: 'admin', account: 'staff@example.jp', ip: '192.0.2.1', knownDevice: 'x' })) === 0);
});

describe('addresses', () => {
  test('30 failures from one address within 10 minutes block it for every account; other addresses are unaffected', async () => {
    const { throttle, advance } = clocked();
    const ip = '198.51.100.20';
    for (let i = 0; i < 30; i++) {
      assert.equal(await waitOf(throttle, { realm: 'store', account: `user${i}@example.jp`, ip }), 0, `failure ${i + 1}`);
      await throttle.failure({ realm: 'store', account: `user${i}@example.jp`, ip });
    }
    const wait = await waitOf(throttle, { realm: 'store', account: 'fresh@example.jp', ip });
    assert.ok(wait > 0 && wait <= 600, `blocked for the rest of the window (${wait} s)`);
    assert.equal(await waitOf(throttle, { realm: 'admin', account: 'owner@example.jp', ip }), wait, 'the staff sign-in too');
    assert.equal(await waitOf(throttle, { realm: 'store', account: 'fresh@example.jp', ip: '198.51.100.21' }), 0);
    advance(10 * 60_000);
    assert.equal(await waitOf(throttle, { realm: 'store', account: 'fresh@example.jp', ip }), 0, 'the window passes');
  });

  test('IPv6 addresses count per /64; IPv4-mapped addresses as IPv4', () => {
    assert.equal(ipBucket('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(ipBucket('2001:0db8:0001:0002:ffff:1:2:3'), '2001:db8:1:2::/64');
    assert.equal(ipBucket('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(ipBucket('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(ipBucket('192.0.2.1'), '192.0.2.1');
  });

  test('failures from addresses in one IPv6 /64 add up', async () => {
    const { throttle } = clocked();
    for (let i = 0; i < 30; i++) await throttle.failure({ realm: 'store', account: `v6-${i}@example.jp`, ip: `2001:db8:5:6::${(i + 1).toString(16)}` });
    assert.ok((await waitOf(throttle, { realm: 'store', account: 'x@example.jp', ip: '2001:db8:5:6:ffff::1' })) > 0);
    assert.equal(await waitOf(throttle, { realm: 'store', account: 'x@example.jp', ip: '2001:db8:5:7::1' }), 0);
  });
});

describe('site-wide alarm', () => {
  test('a burst across many accounts and addresses tightens budgets for failures only; a correct password elsewhere still gets in', async () => {
    const policy: ThrottlePolicy = { ...throttlePolicy, site: { failuresPerMinute: 50, alarmMs: 15 * 60_000 } };
    const { throttle } = clocked(policy);
    // Credential stuffing: 50 accounts, 50 addresses, one failure each (no per-account or per-address limit is reached).
    for (let i = 0; i < 50; i++) await throttle.failure({ realm: 'store', account: `victim${i}@example.jp`, ip: `10.0.${i}.1` });
    // A shopper on another address, who has not failed: let through.
    const shopper: SignInAttempt = { realm: 'store', account: 'shopper@example.jp', ip: '192.0.2.77' };
    assert.equal(await waitOf(throttle, shopper), 0);
    await throttle.success(shopper);
    assert.equal(await waitOf(throttle, shopper), 0);
    // During the alarm an account waits after its 2nd failure instead of its 5th…
    const typo: SignInAttempt = { realm: 'store', account: 'typo@example.jp', ip: '192.0.2.78' };
    await throttle.failure(typo);
    assert.equal(await waitOf(throttle, typo), 0, 'one typo costs nothing');
    await throttle.failure(typo);
    assert.equal(await waitOf(throttle, typo), 30);
    // …and an address is blocked after 10 failures instead of 30.
    for (let i = 0; i < 10; i++) await throttle.failure({ realm: 'store', account: `spray${i}@example.jp`, ip: '10.9.9.9' });
    assert.ok((await waitOf(throttle, { realm: 'store', account: 'another@example.jp', ip: '10.9.9.9' })) > 0);
  });
});

test('password-reset requests: 3 per account and 20 per address per 30 minutes, the same whether or not the account exists', async () => {
  const { throttle, advance } = clocked();
  for (let i = 0; i < 3; i++) await throttle.resetRequest({ account: 'nobody@example.jp', ip: '192.0.2.9' });
  await assert.rejects(throttle.resetRequest({ account: 'nobody@example.jp', ip: '192.0.2.10' }), LoginThrottledError);
  for (let i = 0; i < 17; i++) await throttle.resetRequest({ account: `r${i}@example.jp`, ip: '192.0.2.9' });
  await assert.rejects(throttle.resetRequest({ account: 'other@example.jp', ip: '192.0.2.9' }), LoginThrottledError);
  advance(30 * 60_000);
  await throttle.resetRequest({ account: 'nobody@example.jp', ip: '192.0.2.9' });
});

test('registrations: 20 per address per hour (each costs an argon2 hash)', async () => {
  const { throttle, advance } = clocked();
  for (let i = 0; i < 20; i++) await throttle.registration({ ip: '192.0.2.30' });
  await assert.rejects(throttle.registration({ ip: '192.0.2.30' }), LoginThrottledError);
  await throttle.registration({ ip: '192.0.2.31' });
  advance(3600_000);
  await throttle.registration({ ip: '192.0.2.30' });
});

test('the in-memory store stays bounded', async () => {
  const store = new MemoryCounterStore(1000);
  for (let i = 0; i < 5000; i++) await store.incr([{ key: `k${i}`, windowMs: 60_000, sliding: false }]);
  assert.ok(store.size <= 1000, String(store.size));
  assert.equal((await store.read(['k4999']))[0]!.count, 1, 'the newest entries are kept');
  assert.equal((await store.read(['k0']))[0]!.count, 0, 'the oldest were dropped');
});

const redisUrl = process.env.TEST_REDIS_URL;
const noRedis = redisUrl ? false : 'no Redis: TEST_REDIS_URL is not set (start Redis at 127.0.0.1:6379 or set TEST_REDIS_URL)';

describe('Redis', () => {
  test('two app instances share one set of counters; keys hold no account name or address in clear', { skip: noRedis }, async () => {
    const ctxA = fakeCtx(redisUrl);
    const ctxB = fakeCtx(redisUrl);
    const ctxOther = fakeCtx(redisUrl);
    const secret = randomBytes(16).toString('hex');
    const a = createLoginThrottle(ctxA, { secret: async () => secret });
    const b = createLoginThrottle(ctxB, { secret: async () => secret });
    const otherStore = createLoginThrottle(ctxOther, { secret: async () => `${secret}-other` });
    try {
      const attempt: SignInAttempt = { realm: 'admin', account: 'redis-owner@example.jp', ip: '192.0.2.55' };
      for (let i = 0; i < 10; i++) await (i % 2 ? a : b).failure(attempt);
      assert.equal(await waitOf(a, attempt), 1800);
      assert.equal(await waitOf(b, attempt), 1800, 'the lock made through A and B holds on both');
      assert.equal(await waitOf(otherStore, attempt), 0, 'another store on the same Redis has its own counters');
      const keys = await ctxA.redis!.keys('omamori:lt:*');
      assert.ok(keys.length > 0);
      for (const k of keys) assert.doesNotMatch(k, /redis-owner|example\.jp|192\.0\.2/);
      await b.unlock('admin', 'redis-owner@example.jp');
      assert.equal(await waitOf(a, attempt), 0, 'unlocked through B, seen by A');
    } finally {
      await Promise.all([closeRedis(ctxA), closeRedis(ctxB), closeRedis(ctxOther)]);
    }
  });
});

describe('Redis unavailable', () => {
  test('when Redis does not answer, an instance falls back to its own in-memory counters', async () => {
    const ctx = fakeCtx('redis://127.0.0.1:1');
    const throttle = createLoginThrottle(ctx, { secret: async () => 'fallback' });
    try {
      const attempt: SignInAttempt = { realm: 'admin', account: 'x@example.jp', ip: '192.0.2.1' };
      for (let i = 0; i < 10; i++) await throttle.failure(attempt);
      assert.equal(await waitOf(throttle, attempt), 1800);
    } finally {
      await closeRedis(ctx);
    }
  });
});
