import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { throttlePolicy } from '../../platform/throttle/login-throttle.ts';
import { hashPassword } from '../passwords.ts';
import { insertCustomerRecord } from '../customers/customer-data.ts';

// These tests measure the login throttle alone; the bans that stop the same attacks are tested in src/bans.
process.env.BAN_ALLOWLIST = '0.0.0.0/0,::/0';

// Brute force and credential stuffing against customer sign-in (issue 4). Addresses are simulated with
// X-Forwarded-For, which the store trusts only with TRUST_PROXY (here: trustProxy: true).
let store: TestStore;
let passwordHash: string;
const password = 'sakura mochi to ocha';

before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
  passwordHash = await hashPassword(password);
});
after(() => store.close());

async function addCustomers(emails: string[]) {
  for (const [i, email] of emails.entries()) await insertCustomerRecord(store.ctx, { email, name: `顧客 ${i}`, password_hash: passwordHash });
}

const from = (ip: string, lang = 'ja') => new TestClient(store.url, { 'x-forwarded-for': ip, 'accept-language': lang });
const signIn = (ip: string, email: string, pw: string) => from(ip).postForm('/account/sign-in', { email, password: pw });

describe('1,000 passwords against one customer account', () => {
  test('5 wrong guesses are checked, then every attempt is refused before hashing (429 + Retry-After), even the right password; a reset lets the owner in', async () => {
    await addCustomers(['target@example.jp']);
    // The owner has signed in from their own browser before (it carries a device cookie).
    const owner = from('192.0.2.200');
    assert.equal((await owner.postForm('/account/sign-in', { email: 'target@example.jp', password })).status, 303);
    await owner.postForm('/account/sign-out', {});
    const guesses = Array.from({ length: 1000 }, (_, i) => (i === 700 ? password : `guess-${i}-${i * 7919}`));
    const statuses = new Map<number, number>();
    const t0 = Date.now();
    for (const [i, guess] of guesses.entries()) {
      // A different address each time: the account's own count is what stops this attack.
      const res = await signIn(`10.1.${Math.floor(i / 250)}.${i % 250}`, 'target@example.jp', guess);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (i === throttlePolicy.customer.freeFailures) {
        assert.equal(res.status, 429);
        assert.equal(res.headers.get('retry-after'), '30');
        assert.match(res.text, /30秒後にもう一度お試しください/);
        assert.match(res.text, /href="\/account\/password\/forgot"/, 'the way out is offered');
      }
    }
    assert.deepEqual(Object.fromEntries(statuses), { 401: 5, 429: 995 }, 'no success, not even with the right password');
    assert.ok(Date.now() - t0 < 60_000, 'refusals cost no argon2, so 1,000 attempts are quick');

    // The API shares the count and answers JSON 429 with Retry-After and when to retry.
    const api = await from('10.2.0.1', 'en').json('POST', '/api/store/sessions', { email: 'target@example.jp', password });
    assert.equal(api.status, 429);
    assert.ok(Number(api.headers.get('retry-after')) > 0);
    assert.equal(api.json().error.code, 'rate_limited');
    assert.match(api.json().error.message, /Please try again in \d+ seconds\./);

    // The attacker cannot keep the owner out: their known browser is not held up by the account's delay…
    assert.equal((await owner.postForm('/account/sign-in', { email: 'target@example.jp', password })).status, 303);
    await owner.postForm('/account/sign-out', {});
    // …while everyone else still is.
    assert.equal((await signIn('10.2.0.2', 'target@example.jp', password)).status, 429);

    // From any other browser, the owner resets the password (the customers' unlock path) and signs in at once.
    const forgot = await from('10.3.0.1').postForm('/account/password/forgot', { email: 'target@example.jp' });
    assert.equal(forgot.status, 303);
    await store.drainJobs();
    const [mail] = await mailsTo(store, 'target@example.jp', 'identity.password_reset');
    const token = /token=([\w-]{43})/.exec(mail!.text_body)![1]!;
    const reset = await from('10.3.0.1').postForm('/account/password/reset', { token, password: 'new moon over the tea field' });
    assert.equal(reset.status, 303);
    assert.equal((await signIn('10.3.0.1', 'target@example.jp', 'new moon over the tea field')).status, 303);
  });

  test('a throttled attempt answers the same whether or not the account exists', async () => {
    await addCustomers(['exists@example.jp']);
    for (let i = 0; i < 5; i++) {
      await signIn(`10.4.0.${i}`, 'exists@example.jp', `wrong-${i}-password`);
      await signIn(`10.4.1.${i}`, 'missing@example.jp', `wrong-${i}-password`);
    }
    const a = await signIn('10.4.2.1', 'exists@example.jp', 'wrong-again-password');
    const b = await signIn('10.4.2.2', 'missing@example.jp', 'wrong-again-password');
    assert.equal(a.status, 429);
    assert.equal(b.status, 429);
    assert.equal(a.headers.get('retry-after'), b.headers.get('retry-after'));
    assert.equal(a.text.replace('exists@example.jp', 'X'), b.text.replace('missing@example.jp', 'X'));
  });
});

describe('200 accounts × 5 passwords from one address', () => {
  test('the address is blocked after 30 failures, accounts after 5; no success; a customer on another address still signs in', async () => {
    const emails = Array.from({ length: 200 }, (_, i) => `spray${i}@example.jp`);
    await addCustomers([...emails, 'legit@example.jp']);
    const attacker = '203.0.113.66';
    const statuses: number[] = [];
    for (const [n, email] of emails.entries()) {
      for (let k = 0; k < 5; k++) {
        // From the 10th account on, the 5th guess is the real password: it must not get in either.
        const guess = n >= 10 && k === 4 ? password : `spray-${n}-${k}-guess`;
        statuses.push((await signIn(attacker, email, guess)).status);
      }
    }
    const ipLimit = throttlePolicy.ip[0]!.limit;
    assert.equal(statuses.length, 1000);
    assert.deepEqual(statuses.slice(0, ipLimit), Array(ipLimit).fill(401), `the first ${ipLimit} failures are checked`);
    assert.deepEqual(statuses.slice(ipLimit), Array(1000 - ipLimit).fill(429), 'then the address is refused for every account');
    const blocked = await signIn(attacker, 'legit@example.jp', password);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) <= throttlePolicy.ip[0]!.windowMs / 1000);
    // Accounts that took 5 failures wait, from any address.
    assert.equal((await signIn('198.51.100.1', 'spray0@example.jp', password)).status, 429);
    // A shopper elsewhere signs in normally, and so does an account the spray reached only after the block.
    assert.equal((await signIn('198.51.100.2', 'legit@example.jp', password)).status, 303);
    assert.equal((await signIn('198.51.100.3', 'spray150@example.jp', password)).status, 303);
  });

  test('X-Forwarded-For is ignored without TRUST_PROXY: a forged header does not buy a fresh address', async () => {
    const plain = await startTestStore();
    try {
      const limit = throttlePolicy.ip[0]!.limit;
      for (let i = 0; i < limit; i++) {
        const res = await new TestClient(plain.url, { 'x-forwarded-for': `10.9.0.${i}` }).postForm('/account/sign-in', { email: `forged${i}@example.jp`, password: 'nope-nope-nope' });
        assert.equal(res.status, 401);
      }
      const res = await new TestClient(plain.url, { 'x-forwarded-for': '10.9.1.1' }).postForm('/account/sign-in', { email: 'forged-last@example.jp', password: 'nope-nope-nope' });
      assert.equal(res.status, 429);
    } finally {
      await plain.close();
    }
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
const noRedis = redisUrl ? false : 'no Redis: TEST_REDIS_URL is not set (start Redis at 127.0.0.1:6379 or set TEST_REDIS_URL)';

test('two app instances on one Redis share the counters', { skip: noRedis }, async () => {
  const a = await startTestStore({ config: { trustProxy: true, redisUrl } });
  const b = await startTestStore({ sameDatabaseAs: a, config: { trustProxy: true, redisUrl } });
  try {
    await insertCustomerRecord(a.ctx, { email: 'shared@example.jp', name: 'S', password_hash: passwordHash });
    const on = (s: TestStore, ip: string, pw: string) => new TestClient(s.url, { 'x-forwarded-for': ip }).postForm('/account/sign-in', { email: 'shared@example.jp', password: pw });
    for (let i = 0; i < 5; i++) assert.equal((await on(i % 2 ? a : b, `10.7.0.${i}`, `wrong-${i}-shared`)).status, 401);
    assert.equal((await on(a, '10.7.1.1', password)).status, 429, 'instance A sees the failures made on B');
    assert.equal((await on(b, '10.7.1.2', password)).status, 429);
  } finally {
    await b.close();
    await a.close();
  }
});
