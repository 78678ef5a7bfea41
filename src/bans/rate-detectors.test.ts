import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { recordSecurityEvent } from '../platform/security/event-stream.ts';
import { querySecurityEvents } from '../security-events/store.ts';
import { isCommonPassword, loadCommonPasswords } from '../identity/passwords.ts';

// Each run gets its own Redis keys (the Redis server is shared); small floors so the test stays short.
process.env.BAN_REDIS_PREFIX = `omamori:test:${randomBytes(6).toString('hex')}:`;
process.env.DETECT_DISTRIBUTED_FAILURES = '8';
process.env.DETECT_DISTRIBUTED_NETWORKS = '6';
process.env.DETECT_COMMON_PASSWORDS = '3';
process.env.DETECT_DECLINE_RATIO_MIN = '6';
process.env.DETECT_CSP_PAYMENT_REPORTS = '5';

let store: TestStore;
before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
  await loadCommonPasswords(); // in the store it loads in the background, off the first sign-in request
  assert.equal(isCommonPassword('Password'), true);
});
after(async () => {
  await store?.close();
  for (const k of ['DETECT_CSP_PAYMENT_REPORTS', 'DETECT_DISTRIBUTED_FAILURES', 'DETECT_DISTRIBUTED_NETWORKS', 'DETECT_COMMON_PASSWORDS', 'DETECT_DECLINE_RATIO_MIN']) delete process.env[k];
});

const from = (ip: string) => new TestClient(store.url, { 'x-forwarded-for': ip, 'user-agent': 'Mozilla/5.0 (test browser)', accept: 'text/html' });
const settle = () => store.services.bans.detectors.settled();
const alertsOf = (kind: string) => store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', kind).execute();
let net = 0;
/** One failed sign-in from a network of its own, on an account of its own. */
async function failOnce(password: string) {
  net += 1;
  const r = await from(`203.0.${net}.9`).postForm('/account/sign-in', { email: `nobody${net}@example.jp`, password });
  assert.equal(r.status, 401);
}

test('common passwords: failed sign-ins with passwords from the list above the floor raise an alert (the password is not stored)', async () => {
  await failOnce('password');
  await failOnce('qwerty123');
  await settle();
  assert.equal((await alertsOf('common_passwords')).length, 0);
  await failOnce('iloveyou');
  await settle();
  const [a] = await alertsOf('common_passwords');
  assert.ok(a, 'alert raised');
  assert.equal(a.severity, 'high');
  await store.services.securityEvents.flush();
  const failures = await querySecurityEvents(store.ctx.db, { kind: 'auth.sign_in.failure', unmasked: true });
  assert.ok(failures.every((e) => e.detail.commonPassword === true));
  const stored = JSON.stringify(await store.ctx.db.selectFrom('security_event').selectAll().execute());
  assert.ok(!stored.includes('iloveyou') && !stored.includes('qwerty123'), 'no password in the events');
});

test('distributed credential stuffing: one try from each of many networks, above the floor, raises one alert and bans no one', async () => {
  for (let i = 0; i < 4; i++) await failOnce(`Unusual-${randomBytes(4).toString('hex')}`);
  await settle();
  assert.equal((await alertsOf('credential_stuffing_distributed')).length, 0, '7 failures: below the floor of 8');
  await failOnce(`Unusual-${randomBytes(4).toString('hex')}`);
  await failOnce(`Unusual-${randomBytes(4).toString('hex')}`);
  await settle();
  const alerts = await alertsOf('credential_stuffing_distributed');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.occurrences, 1, 'raised once, not once per failed sign-in');
  await store.services.securityEvents.flush();
  const events = await querySecurityEvents(store.ctx.db, { kind: 'auth.stuffing_distributed', unmasked: true });
  assert.ok(events.length >= 1);
  assert.ok(Number(events[0]!.detail.networks) >= 6);
  assert.equal((await from('203.0.1.9').get('/')).status, 200, 'no network is banned for one try');
});

test('card testing: declines per checkout session ban the client that started it; per card and a site-wide decline ratio alert', async () => {
  const ctx = store.ctx;
  // What the card service records (payments/card/service.ts): the start with the client address, declines from webhooks.
  recordSecurityEvent(ctx, { kind: 'payment.card_started', outcome: 'done', ip: '198.51.100.77', detail: { session: 'sess-a', order: 1 } });
  for (let i = 0; i < 3; i++) recordSecurityEvent(ctx, { kind: 'payment.card_declined', outcome: 'failure', detail: { reason: 'card_declined', order: 1, session: 'sess-a', card: `card-a${i}` } });
  await settle();
  assert.equal((await from('198.51.100.77').get('/')).status, 403, 'the client behind the session is banned');
  // One card tried in several sessions (no known client): an alert by card.
  for (let i = 0; i < 3; i++) recordSecurityEvent(ctx, { kind: 'payment.3ds_failed', outcome: 'failure', detail: { reason: 'authentication_required', order: 2 + i, session: `sess-b${i}`, card: 'card-b' } });
  await settle();
  const fingerprints = (await alertsOf('card_testing')).map((a) => a.fingerprint).sort();
  assert.deepEqual(fingerprints, ['card_testing:card', 'card_testing:session', 'card_testing:site']);
  await store.services.securityEvents.flush();
  const bans = await querySecurityEvents(ctx.db, { kind: 'ban.added', unmasked: true });
  assert.ok(bans.some((b) => b.detail.reason === 'card_testing'));
});

test('CSP spike on payment pages: reports from cart/checkout/payment pages above the floor raise one alert; other pages do not count', async () => {
  const ctx = store.ctx;
  const report = (page: string, paymentPage: boolean) => recordSecurityEvent(ctx, { kind: 'csp.report', outcome: 'detected', detail: { page, directive: 'script-src-elem', blocked: 'https://evil.example', paymentPage } });
  for (let i = 0; i < 10; i++) report('/products/:id', false);
  for (let i = 0; i < 4; i++) report('/checkout/review', true);
  await settle();
  assert.equal((await alertsOf('csp_spike')).length, 0, '4 on payment pages: below the floor of 5');
  for (let i = 0; i < 3; i++) report('/cart', true);
  await settle();
  const alerts = await alertsOf('csp_spike');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.occurrences, 1, 'once, not once per report');
  await store.services.securityEvents.flush();
  assert.equal((await querySecurityEvents(ctx.db, { kind: 'csp.spike', unmasked: true })).length, 1);
});
