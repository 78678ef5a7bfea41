import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { raiseAlert } from '../alerts/raise.ts';
import { securityEventKinds, type SecurityEvent } from '../platform/security/event-stream.ts';
import { auditActions } from '../audit/chain.ts';
import { insertSecurityEvents } from '../security-events/store.ts';
import { auditActionLabel, eventKindLabels } from '../platform/security/labels.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

const hour = 3600_000;
const event = (at: Date, kind: SecurityEvent['kind'], ip: string, severity: SecurityEvent['severity'] = 'medium'): SecurityEvent => ({
  at, kind, severity, outcome: 'detected', ip, network: `${ip.split('.').slice(0, 3).join('.')}.0/24`, actorKind: null, actorId: null, subject: null, requestId: null, detail: {},
});
const lightOf = (text: string, key: string) => new RegExp(`data-protection="${key}" data-light="([a-z]+)"`).exec(text)?.[1];

test('the overview shows a light per protection: card checkout off is red with its reason, WAF grey, 2FA coverage red then green', async () => {
  const { client } = await staffClient(store, 'owner');
  const res = await client.get('/admin/security');
  assert.equal(res.status, 200);
  assert.match(res.text, /セキュリティ概要/);
  // No signed manifest in a test store: card checkout is off and says why in plain words.
  assert.equal(lightOf(res.text, 'card'), 'red');
  assert.match(res.text, /カード決済を停止中です。理由: /);
  assert.equal(lightOf(res.text, 'waf'), 'grey');
  assert.match(res.text, /未設定です/);
  assert.equal(lightOf(res.text, 'staff2fa'), 'green');
  assert.equal(lightOf(res.text, 'bans'), 'green');
  assert.equal(lightOf(res.text, 'panScan'), 'amber', 'never run yet');
  for (const key of ['card', 'files', 'pages', 'csp', 'panScan', 'audit', 'backups', 'staff2fa', 'bans', 'waf']) assert.ok(lightOf(res.text, key), key);

  await store.ctx.db.insertInto('staff').values({ email: `no2fa-${Date.now()}@example.jp`, name: '未設定さん', password_hash: 'x', role: 'order_operator' }).execute();
  await store.ctx.db.insertInto('pan_scan_run').values({ trigger: 'manual', status: 'found', finished_at: new Date() } as never).execute();
  await store.ctx.db.insertInto('csp_report').values({ document_path: '/products/x', directive: 'script-src', blocked: 'https://evil.example', source_file: null, disposition: 'enforce', payment_page: false }).execute();
  const again = (await client.get('/admin/security')).text;
  assert.equal(lightOf(again, 'staff2fa'), 'red');
  assert.match(again, /2段階認証を使っているのは \d+ 人中 \d+ 人です/);
  assert.equal(lightOf(again, 'panScan'), 'red');
  assert.equal(lightOf(again, 'csp'), 'amber');
  // English for staff who chose it.
  assert.match((await client.get('/admin/security?lang=en')).text, /Card checkout is off\. Reason: /);
  const { client: editor } = await staffClient(store, 'content_editor');
  assert.equal((await editor.get('/admin/security')).status, 403);
});

test('the chart has one bar per hour with signals, inline SVG with a title and summary, no inline style', async () => {
  // Only the seeded events: earlier tests' events (a refused page) are written out and removed first.
  await store.services.securityEvents.flush();
  await store.ctx.database.db.deleteFrom('security_event').execute();
  const now = Date.now();
  const hours = [1, 2, 5, 30, 100];
  await insertSecurityEvents(store.ctx.database.db, [
    ...hours.flatMap((h, i) => Array.from({ length: i + 1 }, () => event(new Date(now - h * hour), 'request.attack', '203.0.113.7'))),
    event(new Date(now - 3 * hour), 'auth.sign_in.success', '198.51.100.1', 'info'), // not a signal
    event(new Date(now - 9 * 24 * hour), 'request.attack', '203.0.113.7'), // older than 7 days
  ]);
  const { client } = await staffClient(store, 'owner');
  const text = (await client.get('/admin/security')).text;
  const svg = /<svg class="chart"[\s\S]*?<\/svg>/.exec(text)?.[0] ?? '';
  assert.equal((svg.match(/<rect class="bar/g) ?? []).length, hours.length);
  assert.match(svg, /<title id="chart-title">過去7日間のセキュリティ記録の件数/);
  assert.match(svg, /<desc id="chart-desc">合計 15 件、最も多い1時間は 5 件/);
  assert.doesNotMatch(text, /style="/, 'CSP style-src self: no inline style attributes');
  assert.doesNotMatch(text, /<script(?![^>]*src=)/, 'no inline script');
  // Top sources: the network, masked for a role without unmasked access.
  assert.match(text, /<code>203\.0\.113\.0\/24<\/code>/);
  assert.match(text, /攻撃の形をしたアクセス/);
  await store.ctx.db.updateTable('staff').set({ totp_enabled_at: new Date() }).execute();
});

test('network masking for roles without unmasked access', async () => {
  const { client } = await staffClient(store, 'owner');
  assert.match((await client.get('/admin/security')).text, /203\.0\.113\.0\/24/);
  // administrators may unmask; there is no security.read role without it, so the mask is checked directly.
  const { maskSource } = await import('./mask.ts');
  assert.equal(maskSource('203.0.113.0/24', false), '203.0.x.x');
  assert.equal(maskSource('203.0.113.7', false), '203.0.113.x');
  assert.equal(maskSource('2001:db8:1:2::/64', false), '2001:db8:*');
});

test('ban and lift from the console: validation next to the field, step-up first, then done and audited', async () => {
  const stale = await staffClient(store, 'owner', { stepUp: false });
  const refused = await stale.client.postForm('/admin/security/bans', { scope: 'ip', value: '192.0.2.44', minutes: '60', reason: 'test' });
  assert.equal(refused.status, 303);
  assert.match(refused.location ?? '', /^\/admin\/step-up/);
  assert.equal(store.services.bans.match('192.0.2.44'), null);

  const { client } = await staffClient(store, 'owner');
  const bad = await client.postForm('/admin/security/bans', { scope: 'ip', value: '999.1.1', minutes: '0', reason: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="value-error">IPアドレスの形が正しくありません|id="minutes-error"/);
  assert.match(bad.text, /aria-invalid="true" aria-describedby="reason-error"/);
  const badIp = await client.postForm('/admin/security/bans', { scope: 'ip', value: '999.1.1', minutes: '30', reason: '総当たり' });
  assert.match(badIp.text, /id="value-error">IPアドレスの形が正しくありません/);
  const local = await client.postForm('/admin/security/bans', { scope: 'ip', value: '127.0.0.1', minutes: '30', reason: '総当たり' });
  assert.match(local.text, /許可リストにあるため遮断できません/);

  const ok = await client.postForm('/admin/security/bans', { scope: 'ip', value: '192.0.2.44', minutes: '60', reason: '総当たり' });
  assert.equal(ok.status, 303);
  const ban = store.services.bans.match('192.0.2.44');
  assert.ok(ban);
  const overview = (await client.get('/admin/security')).text;
  assert.match(overview, new RegExp(`data-ban="${ban.ref}"`));

  const staleLift = await stale.client.postForm('/admin/security/bans/remove', { ref: ban.ref, back: '/admin/security' });
  assert.match(staleLift.location ?? '', /^\/admin\/step-up/);
  assert.ok(store.services.bans.match('192.0.2.44'), 'still banned without step-up');
  const lift = await client.postForm('/admin/security/bans/remove', { ref: ban.ref, back: '/admin/security' });
  assert.equal(lift.status, 303);
  assert.equal(lift.location, '/admin/security?removed=1');
  assert.equal(store.services.bans.match('192.0.2.44'), null);
  assert.equal((await store.ctx.db.selectFrom('audit_entry').select('action').where('action', 'in', ['ban.add', 'ban.remove']).execute()).length, 2);

  const badCidr = await client.postForm('/admin/security/bans/allow', { cidr: '10.0.0.0/99', note: '' });
  assert.equal(badCidr.status, 422);
  assert.match(badCidr.text, /id="cidr-error">/);
  assert.equal((await client.postForm('/admin/security/bans/allow', { cidr: '198.51.100.0/24', note: '本社' })).status, 303);
  assert.ok(store.services.bans.allowed('198.51.100.9'));
  assert.equal((await client.postForm('/admin/security/bans/unallow', { cidr: '198.51.100.0/24' })).status, 303);
  assert.ok(!store.services.bans.allowed('198.51.100.9'));
  assert.equal((await store.ctx.db.selectFrom('audit_entry').select('action').where('action', 'in', ['ban.allow', 'ban.unallow']).execute()).length, 2);
});

test('console bans beyond the network: an account by e-mail (stored as its index, shown as a prefix), a session, a card; the allow-list by scope', async () => {
  const { client } = await staffClient(store, 'owner');
  const bad = await client.postForm('/admin/security/bans', { scope: 'card', value: 'no way!', minutes: '60', reason: 'テスト' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="value-error">カード識別子/);
  assert.equal((await client.postForm('/admin/security/bans', { scope: 'account', value: 'buyer@example.jp', minutes: '60', reason: '乗っ取りの疑い' })).status, 303);
  const bans = store.services.bans;
  const ban = bans.matchValue('account', bans.accountValue('buyer@example.jp'));
  assert.ok(ban);
  const page = (await client.get('/admin/security/bans')).text;
  assert.match(page, new RegExp(`data-ban="${ban.ref}" data-scope="account"`));
  assert.ok(!page.includes('buyer@example.jp') && !page.includes(ban.value), 'neither the e-mail nor its full index');
  assert.equal((await client.postForm('/admin/security/bans', { scope: 'session', value: 'c:42', minutes: '60', reason: 'カードテスト' })).status, 303);
  assert.ok(bans.matchValue('session', 'c:42'));
  assert.equal((await client.postForm('/admin/security/bans/allow', { scope: 'card', cidr: 'fpTestCard0001', note: '社内テスト' })).status, 303);
  const refused = await client.postForm('/admin/security/bans', { scope: 'card', value: 'fpTestCard0001', minutes: '60', reason: 'x' });
  assert.match(refused.text, /許可リストにあるため/);
  assert.equal((await client.postForm('/admin/security/bans/unallow', { scope: 'card', cidr: 'fpTestCard0001' })).status, 303);
  const audited = await store.ctx.db.selectFrom('audit_entry').select('action').where('action', 'in', ['ban.add', 'ban.allow', 'ban.unallow']).execute();
  assert.ok(audited.length >= 4);
});

test('an unacknowledged critical alert shows as a banner on every console page until acknowledged; resolve closes it', async () => {
  const { client } = await staffClient(store, 'owner');
  assert.doesNotMatch((await client.get('/admin')).text, /data-critical-alerts/);
  const { id } = await raiseAlert(store.ctx.db, { kind: 'integrity', severity: 'critical', title: '決済ページの改ざんを検知' });
  for (const path of ['/admin', '/admin/orders', '/admin/security']) assert.match((await client.get(path)).text, /data-critical-alerts="1"[\s\S]*決済ページの改ざんを検知/, path);
  const { client: editor } = await staffClient(store, 'content_editor');
  assert.doesNotMatch((await editor.get('/admin')).text, /data-critical-alerts/, 'only for staff who may see alerts');
  assert.equal((await client.postForm(`/admin/security/alerts/${id}/acknowledge`, { note: '確認しました' })).status, 303);
  assert.doesNotMatch((await client.get('/admin')).text, /data-critical-alerts/);
  assert.equal((await client.postForm(`/admin/security/alerts/${id}/resolve`, { resolution: '' })).status, 422);
  assert.equal((await client.postForm(`/admin/security/alerts/${id}/resolve`, { resolution: '元のファイルに戻しました' })).status, 303);
  const detail = (await client.get(`/admin/security/alerts/${id}`)).text;
  assert.match(detail, /data-resolved="1"/);
  assert.match(detail, /元のファイルに戻しました/);
  assert.match((await client.get('/admin/security/alerts?status=resolved')).text, /決済ページの改ざんを検知/);
  assert.equal((await store.ctx.db.selectFrom('audit_entry').select('action').where('action', '=', 'alert.resolve').execute()).length, 1);
});

test('every event kind and audit action has a ja/en label and a one-line explanation; the audit page shows them with the raw code behind a click', async () => {
  for (const kind of securityEventKinds) {
    const label = eventKindLabels[kind];
    assert.ok(label && label.ja && label.en && label.jaHint && label.enHint, kind);
  }
  for (const action of [...auditActions, 'emergency.revoke_sessions']) assert.ok(auditActionLabel(action), action);
  const { client } = await staffClient(store, 'owner');
  const audit = (await client.get('/admin/audit')).text;
  assert.match(audit, /アクセス遮断（手動）|管理画面での操作/);
  assert.match(audit, /<details/);
  const outbox = (await client.get('/admin/mail')).text;
  assert.match(outbox, /セキュリティアラート[\s\S]*<details class="raw"><summary class="small">コードと詳細<\/summary><code>security_alert<\/code>/);
});

test('the dashboard links to the overview and the console navigation has it', async () => {
  const { client } = await staffClient(store, 'owner');
  const text = (await client.get('/admin')).text;
  assert.match(text, /<a href="\/admin\/security"[^>]*>セキュリティ概要/);
  assert.match(text, /class="stat" href="\/admin\/security"/);
});
