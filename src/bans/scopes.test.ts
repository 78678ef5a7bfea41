import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import type { TestStore } from '../../test/harness.ts';
import { payOnGateway, placeCardOrder, startCardStore } from '../payments/card/test-helpers.ts';
import { reviewAndPlace, validForm } from '../checkout/test-helpers.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { querySecurityEvents } from '../security-events/store.ts';
import { runBans } from './cli.ts';

// Each run gets its own Redis keys (the Redis server is shared); small card-testing floors keep the test short.
process.env.BAN_REDIS_PREFIX = `omamori:test:${randomBytes(6).toString('hex')}:`;
process.env.DETECT_CARD_DECLINES_CARD = '2';
process.env.DETECT_CARD_DECLINES_SESSION = '2';
process.env.BAN_REFRESH_MS = '300';
process.env.BAN_ACCOUNTS = '1'; // off by default (lockout); this file tests the account bans themselves

const from = (store: TestStore, ip: string) => new TestClient(store.url, { 'x-forwarded-for': ip, 'user-agent': 'Mozilla/5.0 (test browser)', accept: 'text/html' });

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cli(store: TestStore) {
  const bans = store.services.bans;
  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
  const run = async (...args: string[]) => ({ code: await runBans(args, bans.store, store.ctx.db, bans.config, out, { accountValue: bans.accountValue }), text: lines.splice(0).join('\n') });
  return run;
}

describe('bans beyond the network', () => {
  let store: TestStore;
  before(async () => {
    store = await startCardStore({ config: { trustProxy: true } });
  });
  after(async () => {
    await store?.close();
    for (const k of ['DETECT_CARD_DECLINES_CARD', 'DETECT_CARD_DECLINES_SESSION', 'BAN_REFRESH_MS', 'BAN_ACCOUNTS']) delete process.env[k];
  });

  test('account: brute force on one account from five networks bans the account (stored as its blind index); sign-in is refused with a reference', async () => {
    const email = 'target@example.jp';
    for (let i = 0; i < 5; i++) assert.equal((await from(store, `198.51.${10 + i}.5`).postForm('/account/sign-in', { email, password: `guess-${i}` })).status, 401);
    await store.services.bans.detectors.settled();
    const ban = store.services.bans.matchValue('account', store.services.bans.accountValue(email));
    assert.ok(ban, 'the account is banned');
    assert.notEqual(ban.value, email);
    // A fresh network (no per-address limit applies) still meets the account ban, in the store and the API.
    const page = await from(store, '192.0.2.44').postForm('/account/sign-in', { email: 'TARGET@example.jp', password: 'whatever-1' });
    assert.equal(page.status, 429);
    assert.ok(page.text.includes(ban.ref), 'the refusal quotes the reference');
    const api = await from(store, '192.0.2.45').json('POST', '/api/store/sessions', { email, password: 'whatever-2' });
    assert.equal(api.status, 429);
    const run = cli(store);
    const listed = await run('list', '--json');
    assert.ok(!listed.text.includes(email) && !listed.text.includes(ban.value), 'list --json masks the account');
    const row = (JSON.parse(listed.text) as Array<{ scope: string; value: string; reason: string; until: string; ref: string }>).find((b) => b.ref === ban.ref)!;
    assert.deepEqual([row.scope, row.reason, row.value], ['account', 'brute_force', `${ban.value.slice(0, 6)}…`]);
    assert.equal((await run('remove', '--ref', ban.ref)).code, 0);
    await store.services.bans.refresh();
    const after = await from(store, '192.0.2.46').postForm('/account/sign-in', { email, password: 'whatever-3' });
    assert.ok(!after.text.includes(ban.ref), 'lifted (the login throttle may still ask to wait, without a ban reference)');
    const stored = JSON.stringify(await store.ctx.db.selectFrom('security_ban').selectAll().execute());
    assert.ok(!stored.includes(email), 'no sign-in name in clear');
  });

  test('account: CLI --scope account bans by e-mail; the allow-list by scope wins over a ban; the 403 page names the shop contact', async () => {
    const run = cli(store);
    const added = await run('add', '--scope', 'account', 'someone@example.jp', '--reason', 'reported', '--json');
    assert.equal(added.code, 0, added.text);
    const ban = JSON.parse(added.text) as { scope: string; value: string; until: string; ref: string };
    assert.equal(ban.scope, 'account');
    await until('the CLI ban reaches the store', () => store.services.bans.matchValue('account', store.services.bans.accountValue('someone@example.jp')));
    assert.equal((await from(store, '192.0.2.50').postForm('/account/sign-in', { email: 'someone@example.jp', password: 'x-password-1' })).status, 429);
    assert.equal((await run('allow', '--scope', 'account', 'someone@example.jp', '--note', 'test account')).code, 0);
    await store.services.bans.refresh();
    assert.equal((await from(store, '192.0.2.51').postForm('/account/sign-in', { email: 'someone@example.jp', password: 'x-password-2' })).status, 401, 'allow-listed');
    assert.equal((await run('add', '--scope', 'card', 'not a fingerprint!')).code, 2);
    assert.equal((await run('add', '--scope', 'nonsense', 'x')).code, 2);
    // The banned client's page: reference and the shop's contact from the shop settings (cached: no query per request).
    assert.equal((await run('add', '203.0.113.9')).code, 0);
    await store.services.bans.refresh();
    const refused = await from(store, '203.0.113.9').get('/');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /shop@example\.jp/);
    assert.match(refused.text, /03-1234-5678/);
    assert.match((await from(store, '203.0.113.9').get('/?lang=en')).text, /How to reach/);
  });

  test('card and session: card testing bans the card fingerprint (refused on the payment page) and the shopper session (refused at payment start)', async () => {
    const tester = from(store, '198.51.100.61');
    const order = await placeCardOrder(store, { client: tester });
    for (let i = 0; i < 2; i++) {
      const r = await payOnGateway(order.payUrl, '4000000000000002');
      assert.equal(r.status, 402);
    }
    await store.gateway!.settle();
    await until('the card and session bans', async () => {
      await store.services.bans.detectors.settled();
      const active = await store.services.bans.store.active();
      return active.some((b) => b.scope === 'card') && active.some((b) => b.scope === 'session');
    });
    const active = await store.services.bans.store.active();
    const card = active.find((b) => b.scope === 'card')!;
    const session = active.find((b) => b.scope === 'session')!;
    assert.match(session.value, /^g:/);
    // The card is now on the provider's block list: the gateway refuses it as fraudulent before authorizing.
    const other = from(store, '198.51.101.62');
    const second = await placeCardOrder(store, { client: other });
    await until('the block list at the provider', async () => {
      const r = await payOnGateway(second.payUrl, '4000000000000002');
      await store.gateway!.settle();
      const last = [...store.gateway!.events].reverse().find((e) => e.type === 'payment_intent.payment_failed');
      return r.status === 402 && (last?.data.object as { last_payment_error?: { decline_code?: string } }).last_payment_error?.decline_code === 'fraudulent';
    });
    // The shopper session behind the card testing: a new card order from the same cart is refused at payment start.
    const client2 = new TestClient(store.url, { 'x-forwarded-for': '198.51.102.63', 'user-agent': 'Mozilla/5.0 (test browser)', accept: 'text/html' });
    for (const [k, v] of (tester as unknown as { cookies: Map<string, string> }).cookies) client2.setCookie(k, v); // the same browser from another address
    const variantId = await createTestVariant(store.ctx.db, { price: 2_000 });
    assert.equal((await client2.postForm('/cart/items', { variant_id: variantId, quantity: 1 })).status, 303);
    const { placed } = await reviewAndPlace(client2, { ...validForm, payment_method: 'card' });
    assert.equal(placed.status, 429, 'the banned session cannot start a card payment');
    await store.services.securityEvents.flush();
    const events = await querySecurityEvents(store.ctx.db, { kind: 'ban.added', unmasked: true });
    assert.ok(events.some((e) => e.detail.scope === 'card') && events.some((e) => e.detail.scope === 'session'));
    // A good card banned by the operator (its fingerprint from the provider) is refused on the payment page too.
    const run = cli(store);
    const listed = JSON.parse((await run('list', '--json')).text) as Array<{ scope: string; value: string }>;
    assert.ok(listed.find((b) => b.scope === 'card')!.value.endsWith('…'), 'the card fingerprint is masked in lists');
    const good = await placeCardOrder(store, { client: from(store, '198.51.103.64') });
    const paid = await payOnGateway(good.payUrl, '4242424242424242');
    assert.equal(paid.status, 303);
    await store.gateway!.settle();
    const charge = [...store.gateway!.events].reverse().find((e) => e.type === 'charge.succeeded')!.data.object as { payment_method_details: { card: { fingerprint: string } } };
    assert.equal((await run('add', '--scope', 'card', charge.payment_method_details.card.fingerprint, '--reason', 'chargeback')).code, 0);
    const again = await placeCardOrder(store, { client: from(store, '198.51.104.65') });
    await until('the operator-banned card is refused at the provider', async () => (await payOnGateway(again.payUrl, '4242424242424242')).status === 402);
    assert.ok(card.value.length >= 8);
  });
});
