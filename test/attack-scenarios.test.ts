import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TestClient } from './client.ts';
import { startTestStore, testDbKind, type TestStore } from './harness.ts';
import { staffClient } from './sessions.ts';
import { stripeTestCards } from './fixtures/cards.ts';
import { querySecurityEvents } from '../src/security-events/store.ts';
import { createTestVariant } from '../src/cart/test-products.ts';
import { reviewAndPlace, validForm } from '../src/checkout/test-helpers.ts';
import { payOnGateway, placeCardOrder, startCardStore } from '../src/payments/card/test-helpers.ts';

// Issue 12's proof: attacks in progress against two app instances sharing the database and Redis (behind a proxy,
// TRUST_PROXY=1: the client is the address the proxy appended to X-Forwarded-For). Each attack is detected, banned on
// both instances, alerted once, and visible on the security overview; twenty ordinary shoppers raise nothing.
// Propagation times are printed, not asserted (a loaded CI machine; the benchmark holds speed targets).

const redisUrl = process.env.TEST_REDIS_URL;
process.env.BAN_REDIS_PREFIX = `omamori:test:${randomBytes(6).toString('hex')}:`;
// Only the push (Redis publish) may carry a ban to the other instance within the waits below.
process.env.BAN_REFRESH_MS = '60000';

let a: TestStore;
let b: TestStore;
let owner: TestClient;

/**
 * On a machine this loaded a kept-alive connection is sometimes closed by the server just as the client reuses it
 * ("fetch failed"); a client sends the request again once, as a browser does, and the run says how often.
 */
let resent = 0;
class ShopperClient extends TestClient {
  override async request(...args: Parameters<TestClient['request']>) {
    try {
      return await super.request(...args);
    } catch (err) {
      if ((err as Error).message !== 'fetch failed') throw err;
      resent++;
      return super.request(...args);
    }
  }
}
const from = (store: TestStore, ip: string, ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36') =>
  new ShopperClient(store.url, { 'x-forwarded-for': ip, 'user-agent': ua, accept: 'text/html,application/xhtml+xml' });
const settle = async () => {
  await Promise.all([a.services.bans.detectors.settled(), b.services.bans.detectors.settled()]);
};
const alerts = (kind: string) => a.ctx.db.selectFrom('alert').selectAll().where('kind', '=', kind).execute();
const banned = (store: TestStore, ip: string) => store.services.bans.match(ip) !== null;

/** Waits until both instances refuse the address with the 403; returns how long the other instance took (ms). */
async function bannedOnBoth(ip: string, ms = 15_000): Promise<number> {
  const t0 = Date.now();
  const refused = async (s: TestStore) => (await from(s, ip).get('/')).status === 403;
  while (!(await refused(a)) || !(await refused(b))) {
    if (Date.now() - t0 > ms) assert.fail(`${ip} not refused on both instances (a: ${banned(a, ip)}, b: ${banned(b, ip)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

/** The decision on one instance, then how long until the other enforces it (its in-memory ban set). */
async function propagation(ip: string): Promise<number> {
  const t0 = Date.now();
  while (!(banned(a, ip) && banned(b, ip))) {
    if (Date.now() - t0 > 15_000) {
      await a.services.securityEvents.flush();
      await b.services.securityEvents.flush();
      const seen = (await querySecurityEvents(a.ctx.db, { ip, unmasked: true, limit: 1000 })).map((e) => e.kind);
      const tally = new Map<string, number>();
      for (const k of seen) tally.set(k, (tally.get(k) ?? 0) + 1);
      const kinds = [...tally].map(([k, n]) => `${k} x${n}`);
      assert.fail(`${ip} not banned on both instances (a: ${banned(a, ip)}, b: ${banned(b, ip)}); its events: ${kinds.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
}

/**
 * Watches both instances' ban sets while an attack runs: for each address, the time between the first instance
 * holding its ban (the decision) and the second. Returns a stop function giving the slowest delay seen (ms).
 */
function watchPropagation(ips: string[]): () => number {
  const first = new Map<string, number>();
  const both = new Map<string, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const ip of ips) {
      if (both.has(ip)) continue;
      const inA = banned(a, ip);
      const inB = banned(b, ip);
      if ((inA || inB) && !first.has(ip)) first.set(ip, now);
      if (inA && inB) both.set(ip, now);
    }
  }, 2);
  return () => {
    clearInterval(timer);
    return Math.max(0, ...[...both].map(([ip, t]) => t - first.get(ip)!));
  };
}

async function overviewShows(ip: string) {
  const ban = a.services.bans.match(ip);
  assert.ok(ban, `${ip} banned`);
  const page = await owner.get('/admin/security');
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`data-ban="${ban.ref}"`), `the overview lists the ban of ${ip}`);
}

describe('attacks in progress against two instances sharing the database and Redis', { skip: redisUrl ? false : 'no Redis: TEST_REDIS_URL is not set (start Redis at 127.0.0.1:6379)' }, () => {
  before(async () => {
    // Card checkout runs only while file integrity holds: the card store brings its own signed baseline.
    a = await startCardStore({ seed: true, config: { trustProxy: true, redisUrl } });
    b = await startTestStore({ config: { trustProxy: true, redisUrl, dataDir: a.ctx.config.dataDir }, sameDatabaseAs: a });
    // The owner reads the overview from the shop's own network (allow-listed: never banned).
    owner = (await staffClient(a, 'owner')).client;
    console.log(`# two instances on ${testDbKind} with Redis: ${a.url} and ${b.url}`);
  });
  after(async () => {
    if (resent) console.log(`# ${resent} requests sent again after the server closed a kept-alive connection`);
    await b?.close();
    await a?.close();
  });

  test('twenty ordinary shoppers browsing and buying at the same time raise nothing', async () => {
    const variantId = await createTestVariant(a.ctx.db, { stock: 500 });
    await settle();
    const before = (await a.ctx.db.selectFrom('alert').select('id').execute()).map((x) => x.id);
    const shoppers = Array.from({ length: 20 }, (_, i) => `198.18.${i}.${10 + i}`);
    await Promise.all(
      shoppers.map(async (ip, i) => {
        const store = i % 2 ? b : a;
        const c = from(store, ip);
        for (const path of ['/', '/products', '/products?q=%E3%83%9E%E3%82%B0', '/p/test-mug-10', '/cart']) {
          const r = await c.get(path);
          assert.ok(r.status === 200, `${path}: ${r.status}`);
        }
        assert.equal((await c.get('/no-such-product-typo')).status, 404); // one typo is ordinary too
        assert.equal((await c.postForm('/cart/items', { variant_id: variantId, quantity: 1 })).status, 303);
        const { placed } = await reviewAndPlace(c, { ...validForm, email: `shopper${i}@example.jp`, note: `置き配希望 (${i})` });
        assert.equal(placed.status, 303, placed.text.slice(0, 300));
      }),
    );
    await settle();
    await a.services.securityEvents.flush();
    await b.services.securityEvents.flush();
    for (const ip of shoppers) assert.ok(!banned(a, ip) && !banned(b, ip), `${ip} banned`);
    const signals = (await querySecurityEvents(a.ctx.db, { kind: 'request.attack', unmasked: true })).filter((e) => shoppers.includes(e.ip ?? ''));
    assert.deepEqual(signals.map((e) => e.detail), [], 'no shopper request looks like an attack');
    // (The start-up alerts of the page watcher and file integrity are the store's own, not the shoppers'.)
    const detectorKinds = ['attack_banned', 'credential_stuffing_distributed', 'common_passwords', 'card_testing', 'staff_anomaly'];
    const raised = await a.ctx.db.selectFrom('alert').select(['id', 'kind', 'title']).where('id', 'not in', before.length ? before : [0]).where('kind', 'in', detectorKinds).execute();
    assert.deepEqual(raised, [], 'no alert');
  });

  test('slow brute force on one account, under every per-minute limit: banned on both instances, one alert', async () => {
    const ip = '192.0.2.66';
    const spread = watchPropagation([ip]);
    // Five wrong passwords, alternating instances and spaced out: no throttle answers (all 401, none 429).
    for (let i = 0; i < 5; i++) {
      const r = await from(i % 2 ? b : a, ip).postForm('/account/sign-in', { email: 'slow-victim@example.jp', password: `Summer2026-${i}` });
      assert.equal(r.status, 401, `attempt ${i + 1} is under every limit`);
      if (i < 4) await new Promise((res) => setTimeout(res, 1000));
    }
    await propagation(ip);
    console.log(`# slow brute force: the second instance held the ban ${spread()} ms after the first`);
    await bannedOnBoth(ip);
    await settle();
    const [alert, ...more] = await alerts('attack_banned');
    assert.equal(more.length, 0);
    assert.equal(alert!.fingerprint, 'attack_banned:brute_force');
    assert.equal(alert!.occurrences, 1);
    await overviewShows(ip);
  });

  test('distributed credential stuffing, one try per network on many accounts: detected and alerted once, no network banned for one try', async () => {
    const networks = Array.from({ length: 32 }, (_, i) => `203.0.${100 + i}.7`);
    for (const [i, ip] of networks.entries()) {
      const r = await from(i % 2 ? b : a, ip).postForm('/account/sign-in', { email: `dist${i}@example.jp`, password: `Winter-${randomBytes(3).toString('hex')}` });
      assert.equal(r.status, 401);
    }
    await settle();
    const found = await alerts('credential_stuffing_distributed');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.occurrences, 1, 'once, not once per sign-in');
    for (const ip of networks) assert.ok(!banned(a, ip) && !banned(b, ip));
    const page = await owner.get('/admin/security/alerts');
    assert.equal(page.status, 200);
    assert.match(page.text, /分散型のリスト型攻撃の疑い/);
  });

  test('credential stuffing: 200 accounts x 3 passwords from 20 networks: every network banned on both instances, one alert', async () => {
    const networks = Array.from({ length: 20 }, (_, i) => `198.51.${10 + i}.${20 + i}`);
    let refused = 0;
    let tried = 0;
    const t0 = Date.now();
    const spread = watchPropagation(networks);
    await Promise.all(
      networks.map(async (ip, n) => {
        for (let k = 0; k < 10; k++) {
          for (let p = 0; p < 3; p++) {
            const r = await from((n + k + p) % 2 ? b : a, ip).postForm('/account/sign-in', { email: `member${n * 10 + k}@example.jp`, password: ['123456789', 'Passw0rd!', 'qwerty2026'][p]! });
            tried++;
            if (r.status === 403) refused++;
            else assert.ok(r.status === 401 || r.status === 429, `status ${r.status}`);
          }
        }
      }),
    );
    await settle();
    await Promise.all(networks.map((ip) => propagation(ip)));
    for (const ip of networks) await bannedOnBoth(ip);
    console.log(`# credential stuffing: ${tried} tries in ${Date.now() - t0} ms, ${refused} refused by a ban; the second instance held each of the 20 bans at most ${spread()} ms after the first`);
    // How many tries land before each ban depends on the machine's speed (the detectors read the event stream a batch
    // at a time): on a loaded PostgreSQL run about half did. The ban itself on both instances is asserted above.
    assert.ok(refused > tried / 3, `a good share of the tries met the ban (${refused} of ${tried})`);
    const stuffing = (await alerts('attack_banned')).filter((x) => x.fingerprint === 'attack_banned:credential_stuffing');
    assert.equal(stuffing.length, 1, 'one alert for the attack');
    assert.equal(stuffing[0]!.occurrences, networks.length, 'each banned network counted on it');
    await overviewShows(networks[0]!);
  });

  test('a scanner burst (nikto-like paths and attack-shaped parameters): banned on both instances, one alert', async () => {
    const ip = '192.0.2.150';
    const nikto = 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)';
    const spread = watchPropagation([ip]);
    const paths = [
      '/admin.php', '/phpmyadmin/', '/cgi-bin/test.cgi', '/server-status', '/.git/HEAD', '/.env', '/config.php.bak', '/backup.zip',
      '/wp-login.php', '/shell.php', '/products?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', "/products?q=1'%20OR%20'1'%3D'1",
      '/p/..%2F..%2F..%2Fetc%2Fpasswd', '/products?q=%3C!--%23exec%20cmd%3D%22ls%22--%3E', '/products?q=%24%7B7*7%7D', '/products?q=%3Bcat%20%2Fetc%2Fpasswd',
    ];
    let refused = 0;
    await Promise.all(
      paths.map(async (path, i) => {
        const r = await from(i % 2 ? b : a, ip, nikto).get(path);
        if (r.status === 403) refused++;
      }),
    );
    await settle();
    await propagation(ip);
    console.log(`# scanner burst: the second instance held the ban ${spread()} ms after the first; ${refused} of ${paths.length} requests already refused`);
    await bannedOnBoth(ip);
    const reason = a.services.bans.match(ip)!.reason;
    const raised = (await alerts('attack_banned')).filter((x) => x.fingerprint === `attack_banned:${reason}`);
    assert.equal(raised.length, 1);
    assert.equal(raised[0]!.occurrences, 1, `one alert for one scanner (${reason})`);
    await overviewShows(ip);
  });

  test('card testing: declined cards through the sandbox gateway: the tester is banned on both instances, one alert', async () => {
    const ip = '192.0.2.210';
    let declines = 0;
    let stopped = '';
    const spread = watchPropagation([ip]);
    for (let i = 0; i < 50 && !stopped; ) {
      let order;
      try {
        order = await placeCardOrder(a, { client: from(a, ip) });
      } catch (err) {
        stopped = `checkout refused after ${declines} declines: ${(err as Error).message.split('\n')[0]!.slice(0, 80)}`;
        break;
      }
      for (let k = 0; k < 3 && i < 50; k++, i++) {
        const r = await payOnGateway(order.payUrl, stripeTestCards.declined).catch(() => null);
        await a.gateway!.settle();
        if (r?.status !== 402) break;
        declines++;
      }
    }
    await settle();
    await propagation(ip);
    console.log(`# card testing: ${declines} declines before the tester was stopped (${stopped || 'not stopped by checkout'}); the second instance held the ban ${spread()} ms after the first`);
    await bannedOnBoth(ip);
    assert.equal(a.services.bans.match(ip)!.reason, 'card_testing');
    assert.ok(declines < 50, 'stopped before the fiftieth card');
    const raised = await alerts('card_testing');
    assert.ok(raised.length >= 1);
    assert.ok(raised.every((x) => x.occurrences <= 2), `one alert per view (network, session, card, site), not one per decline: ${raised.map((x) => `${x.fingerprint}=${x.occurrences}`).join(', ')}`);
    await overviewShows(ip);
  });
});
