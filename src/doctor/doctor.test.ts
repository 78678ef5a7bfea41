import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { TestClient } from '../../test/client.ts';
import { observatoryGrade } from './observatory.ts';
import { runDoctor, weakSecret } from './checks.ts';

test('header grading follows the MDN HTTP Observatory table: a bare page fails, a hardened one gets an A', () => {
  const bare = observatoryGrade({ url: 'https://shop.example/', status: 200, headers: { 'content-type': 'text/html', 'set-cookie': 'sid=1' }, body: '<script src="http://cdn.example/x.js"></script>' });
  // -25 CSP, -40 session cookie without Secure, -20 redirection missing? (https: none needed), -20 HSTS, -50 SRI over http, -5 nosniff, -20 framing
  assert.equal(bare.grade, 'F');
  const hardened = observatoryGrade({
    url: 'https://shop.example/',
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; script-src 'self' 'nonce-abc'; frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'set-cookie': ['__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax'],
    },
    body: '<script src="/static/app.js"></script>',
  });
  assert.equal(hardened.score, 125); // 100 + 10 (default-src 'none') + 5 cookies + 5 referrer + 5 frame-ancestors
  assert.equal(hardened.grade, 'A+');
  // a bonus does not lift a score under 90
  const under = observatoryGrade({ url: 'https://shop.example/', status: 200, headers: { 'content-type': 'text/html', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'strict-transport-security': 'max-age=31536000', 'x-frame-options': 'DENY' }, body: '' });
  assert.equal(under.score, 75);
});

test('weak secrets: short, repetitive or placeholder values', () => {
  assert.ok(weakSecret('changeme'));
  assert.ok(weakSecret('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
  assert.ok(!weakSecret('q2V8mZ0k3Yt9Lw1Rj5Hs7Ne4Bx6Pc0Df'));
});

let store: TestStore;
before(async () => {
  store = await startTestStore({ seed: true });
});
after(async () => {
  await store?.close();
});

test('doctor on a fresh store: a score, fixes ordered by risk, live headers graded, no exposed path; the console page is for owners', async () => {
  await store.ctx.db.insertInto('staff').values({ email: 'no2fa@example.jp', name: 'no 2FA', password_hash: 'x', role: 'order_operator' }).execute();
  const r = await runDoctor({ config: store.ctx.config, db: store.ctx.db, url: store.url });
  assert.ok(r.score >= 0 && r.score <= 100);
  for (const c of r.checks) {
    assert.ok(c.id && c.title && ['pass', 'warn', 'fail', 'info'].includes(c.status) && ['critical', 'high', 'medium', 'low', 'info'].includes(c.severity), JSON.stringify(c));
    if (c.status === 'fail' || c.status === 'warn') assert.ok(c.fix.length > 0, `${c.id} has a fix`);
  }
  const order = r.checks.map((c) => c.status);
  assert.deepEqual(order, [...order].sort((a, b) => ['fail', 'warn', 'info', 'pass'].indexOf(a) - ['fail', 'warn', 'info', 'pass'].indexOf(b)));
  assert.equal(r.checks.find((c) => c.id === 'staff.2fa')?.status, 'fail');
  assert.equal(r.checks.find((c) => c.id === 'live.exposed_paths')?.status, 'pass');
  // the store's own headers (http on a test port: no HSTS, so the grade is capped, but CSP, framing, nosniff and referrer pass)
  const tests = Object.fromEntries(r.observatory!.tests.map((t) => [t.id, t]));
  assert.equal(tests['content-security-policy']!.pass, true, tests['content-security-policy']!.result);
  assert.equal(tests['x-frame-options']!.result, 'x-frame-options-implemented-via-csp');
  assert.equal(tests['x-content-type-options']!.pass, true);
  assert.equal(tests['referrer-policy']!.pass, true);
  console.log(`doctor: score ${r.score}, headers ${r.observatory!.grade} (${r.observatory!.score}) over http; ${r.checks.filter((c) => c.status === 'fail').length} failing checks`);
  assert.equal(r.checklist.length, 8);

  const { client: owner } = await staffClient(store, 'owner');
  const page = await owner.get('/admin/security/doctor');
  assert.equal(page.status, 200);
  assert.match(page.text, /data-score="\d+"/);
  assert.match(page.text, /セキュリティ・チェックリスト/);
  assert.match(page.text, /直すこと\(\d+ 件\)/);
  const en = (await owner.get('/admin/security/doctor?lang=en')).text;
  assert.match(en, /Security checklist \(Japan credit card security guideline 6\.0\)/);
  assert.match(en, /To fix \(\d+\)/);
  assert.doesNotMatch(en, /直すこと|一覧を表示/, "the page's own labels follow the staff member's language");
  const json = (await owner.get('/admin/security/doctor.json')).json<{ score: number; checks: Array<{ id: string }> }>();
  assert.ok(json.checks.some((c) => c.id === 'staff.2fa'));
  const pack = await owner.get('/admin/security/doctor/saq-a.json');
  assert.equal(pack.status, 200);
  assert.match(pack.headers.get('content-disposition') ?? '', /attachment/);
  const evidence = pack.json<{ format: string; paymentPage: { hostedOrigin: string | null }; scriptInventory: unknown[]; fileIntegrity: unknown }>();
  assert.equal(evidence.format, 'omamori-saq-a-evidence/1');
  assert.ok(Array.isArray(evidence.scriptInventory) && evidence.fileIntegrity);
  const { client: admin } = await staffClient(store, 'administrator');
  assert.equal((await admin.get('/admin/security/doctor')).status, 403);
  assert.equal((await admin.get('/admin/security/doctor/saq-a.json')).status, 403);
  assert.notEqual((await new TestClient(store.url).get('/admin/security/doctor.json')).status, 200);
});
