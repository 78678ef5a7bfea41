import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { recordSecurityEvent } from '../platform/security/event-stream.ts';
import { hourIn, outsideHours } from './staff-detectors.ts';

const nowHour = hourIn(new Date(), 'Asia/Tokyo');
process.env.BAN_REDIS_PREFIX = `omamori:test:${randomBytes(6).toString('hex')}:`;
// Usual hours that do not include now (shop time), so this run's sign-ins are "outside".
process.env.DETECT_STAFF_HOURS = `${(nowHour + 1) % 24}-${(nowHour + 2) % 24}`;
process.env.DETECT_STAFF_REVEALS = '3';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(async () => {
  await store?.close();
  delete process.env.DETECT_STAFF_HOURS;
  delete process.env.DETECT_STAFF_REVEALS;
});

const settle = async () => {
  await store.services.securityEvents.flush();
  await store.services.bans.detectors.settled();
};
const fingerprints = async () => (await store.ctx.db.selectFrom('alert').select('fingerprint').where('kind', '=', 'staff_anomaly').execute()).map((a) => a.fingerprint);
const signIn = (staff: number, ip: string) => recordSecurityEvent(store.ctx, { kind: 'auth.sign_in.success', outcome: 'success', ip, actor: { kind: 'staff', id: staff }, detail: { realm: 'staff', step: 'totp' } });

test('usual hours in the shop time zone, also across midnight', () => {
  const at = new Date('2026-12-07T12:00:00Z'); // 21:00 in Tokyo
  assert.equal(hourIn(at, 'Asia/Tokyo'), 21);
  assert.equal(outsideHours(at, [8, 20], 'Asia/Tokyo'), true);
  assert.equal(outsideHours(at, [8, 22], 'Asia/Tokyo'), false);
  assert.equal(outsideHours(at, [22, 6], 'Asia/Tokyo'), true);
  assert.equal(outsideHours(new Date('2026-12-07T14:30:00Z'), [22, 6], 'Asia/Tokyo'), false);
});

test('staff: a sign-in from a network not seen for that person is alerted (not the first ever, not a known network); outside hours too', async () => {
  signIn(41, '198.51.100.5');
  await settle();
  assert.ok(!(await fingerprints()).some((f) => f.startsWith('staff:network:')), 'a first sign-in has nothing to compare with');
  assert.ok((await fingerprints()).some((f) => f.startsWith('staff:hours:41:')), 'outside the usual hours');
  signIn(41, '198.51.100.77'); // same /24
  await settle();
  assert.ok(!(await fingerprints()).some((f) => f.startsWith('staff:network:')));
  signIn(41, '203.0.113.9');
  await settle();
  assert.ok((await fingerprints()).includes('staff:network:41:203.0.113.0/24'));
  assert.equal(store.services.bans.match('203.0.113.9'), null, 'staff are alerted on, never banned');
});

test('staff: bursts of PII reveals and repeated permission denials', async () => {
  for (let i = 0; i < 2; i++) recordSecurityEvent(store.ctx, { kind: 'pii.reveal', outcome: 'done', actor: { kind: 'staff', id: 42 }, detail: { action: 'personal_data.view_unmasked' } });
  await settle();
  assert.ok(!(await fingerprints()).includes('staff:reveals:staff:42'));
  recordSecurityEvent(store.ctx, { kind: 'pii.reveal', outcome: 'done', actor: { kind: 'staff', id: 42 }, detail: { action: 'personal_data.view_unmasked' } });
  for (let i = 0; i < 5; i++) recordSecurityEvent(store.ctx, { kind: 'access.permission_denied', outcome: 'refused', actor: { kind: 'staff', id: 43 }, detail: { route: '/admin/staff', method: 'GET' } });
  await settle();
  const f = await fingerprints();
  assert.ok(f.includes('staff:reveals:staff:42'), f.join(','));
  assert.ok(f.includes('staff:denials:staff:43'), f.join(','));
});
