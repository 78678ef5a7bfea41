import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { SecurityEventStream, networkOf, recordRequestEvent } from '../platform/security/event-stream.ts';
import { staffClient } from '../../test/sessions.ts';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { runSecurity } from './cli.ts';
import { maskIp } from './ip-mask.ts';
import { SECURITY_EVENT_RETENTION_TASK } from './service.ts';
import { countSecurityEvents, querySecurityEvents } from './store.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(async () => {
  await store.close();
});

const silent = pino({ level: 'silent' });
const flush = () => store.services.securityEvents.flush();

test('sign-in failures and successes reach security_event with a keyed account hash, never the address typed', async () => {
  const api = new TestClient(store.url);
  const email = 'someone.unknown@example.jp';
  const res = await api.json('POST', '/api/store/sessions', { email, password: 'wrong-password-1' });
  assert.equal(res.status, 401);
  await api.postForm('/account/sign-in', { email, password: 'wrong-password-2' });
  await flush();
  const rows = await store.ctx.db.selectFrom('security_event').selectAll().where('kind', '=', 'auth.sign_in.failure').execute();
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.subject, rows[1]!.subject, 'one account, one subject hash');
  assert.ok(rows[0]!.subject && rows[0]!.subject.length >= 16);
  for (const r of rows) {
    assert.equal(r.ip, '127.0.0.1');
    assert.equal(r.network, '127.0.0.0/24');
    assert.ok(r.request_id);
    assert.doesNotMatch(JSON.stringify(r), /someone|example\.jp|wrong-password/);
  }
});

test('permission denied, card-guard refusal and PII-free detail are recorded', async () => {
  const { client } = await staffClient(store, 'content_editor');
  assert.equal((await client.get('/admin/orders')).status, 403);
  const api = new TestClient(store.url);
  const card = ['4242', '4242', '4242', '4242'].join(' ');
  const refused = await api.json('POST', '/api/store/sessions', { email: `a${card}@example.jp`, password: card });
  assert.equal(refused.status, 422);
  await flush();
  const denied = await querySecurityEvents(store.ctx.db, { kind: 'access.permission_denied', unmasked: true });
  assert.equal(denied.length, 1);
  assert.equal(denied[0]!.actorKind, 'staff');
  const guard = await querySecurityEvents(store.ctx.db, { kind: 'card_guard.refused', unmasked: true });
  assert.equal(guard.length, 1);
  assert.doesNotMatch(JSON.stringify(guard), /4242/);
});

test('addresses are masked for views without unmasked access; networks are /24 and /64', async () => {
  assert.equal(maskIp('203.0.113.77'), '203.0.113.x');
  assert.equal(maskIp('2001:db8:0:12:ab::1'), '2001:db8:0:12:*');
  assert.equal(networkOf('198.51.100.9'), '198.51.100.0/24');
  assert.equal(networkOf('::ffff:198.51.100.9'), '198.51.100.0/24');
  assert.equal(networkOf('2001:db8::5'), '2001:db8:0:0::/64');
  const masked = await querySecurityEvents(store.ctx.db, { kind: 'auth.sign_in.failure', unmasked: false });
  assert.ok(masked.length > 0);
  for (const r of masked) assert.equal(r.ip, '127.0.0.x');
});

test('a full buffer drops and counts, and the count is written once the database takes writes again', async () => {
  let fail = true;
  const written: string[] = [];
  const stream = new SecurityEventStream({
    log: silent,
    subjectHash: (a) => a,
    maxBuffer: 3,
    batchSize: 100,
    flushMs: 60_000,
    write: async (events) => {
      if (fail) throw new Error('database down');
      written.push(...events.map((e) => `${e.kind}:${JSON.stringify(e.detail)}`));
    },
  });
  const seen: string[] = [];
  stream.subscribe((e) => seen.push(e.kind));
  for (let i = 0; i < 5; i++) stream.record({ kind: 'request.attack', detail: { n: i } });
  assert.equal(seen.length, 5, 'subscribers see every event, written or not');
  await stream.flush();
  assert.deepEqual(stream.stats, { recorded: 5, written: 0, dropped: 2, failedWrites: 1, buffered: 3 });
  fail = false;
  await stream.flush();
  assert.equal(stream.stats.written, 4);
  assert.ok(written.includes('security_events.dropped:{"dropped":2}'), written.join());
  await stream.close();
});

test('detail is cut short and never carries a card number', () => {
  const stream = new SecurityEventStream({ log: silent, subjectHash: (a) => a, write: async () => {} });
  const e = stream.record({ kind: 'request.attack', detail: { q: `pay 4111 1111 1111 1111 now ${'x'.repeat(5000)}` } });
  assert.doesNotMatch(JSON.stringify(e.detail), /4111 1111 1111 1111/);
  assert.ok(JSON.stringify(e.detail).length < 2500);
  void stream.close();
});

test('retention deletes events past SECURITY_EVENT_RETENTION_DAYS (default 400) in the daily job; the CLI lists by kind and time', async () => {
  await store.ctx.db
    .insertInto('security_event')
    .values([
      { at: new Date(Date.now() - 401 * 86_400_000), kind: 'auth.sign_in.failure', severity: 'low', outcome: 'failure', detail: '{}' },
      { at: new Date(Date.now() - 399 * 86_400_000), kind: 'auth.lockout', severity: 'medium', outcome: 'refused', detail: '{}' },
    ])
    .execute();
  await store.ctx.scheduler.runNow(SECURITY_EVENT_RETENTION_TASK);
  const old = await querySecurityEvents(store.ctx.db, { since: new Date(Date.now() - 500 * 86_400_000), until: new Date(Date.now() - 300 * 86_400_000), unmasked: true });
  assert.deepEqual(old.map((r) => r.kind), ['auth.lockout']);

  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(`ERR ${s}`) };
  assert.equal(await runSecurity(['events', '--since', '1h', '--kind', 'auth.*', '--json'], store.ctx.db, out), 0);
  const json = JSON.parse(lines.join('\n')) as Array<{ kind: string; ip: string }>;
  assert.ok(json.length >= 2 && json.every((r) => r.kind.startsWith('auth.')));
  lines.length = 0;
  assert.equal(await runSecurity(['events', '--since', '1h'], store.ctx.db, out), 0);
  assert.match(lines[0]!, /time\s+severity\s+kind/);
  assert.equal(await runSecurity(['events', '--since', 'yesterday'], store.ctx.db, out), 2);
  assert.ok((await countSecurityEvents(store.ctx.db, new Date(Date.now() - 3600_000)))['auth.sign_in.failure']! >= 2);
});

test('recordRequestEvent without a stream bound to the request falls back to the store\'s stream', async () => {
  const fakeReq = { ip: '192.0.2.1', id: 'req-x', staff: null, customer: null } as never;
  recordRequestEvent(fakeReq, { kind: 'settings.changed', outcome: 'done', detail: { action: 'test' } });
  await flush();
  const rows = await querySecurityEvents(store.ctx.db, { kind: 'settings.changed', unmasked: true });
  assert.equal(rows[0]!.ip, '192.0.2.1');
});
