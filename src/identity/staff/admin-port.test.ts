import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { signInStaff } from '../../../test/sessions.ts';
import { loadConfig } from '../../platform/config.ts';
import { hashPassword } from '../passwords.ts';

let store: TestStore;
const password = 'a long staff passphrase';

before(async () => {
  store = await startTestStore({ config: { adminPort: 0, adminBind: '127.0.0.1', adminUrl: 'http://localhost:0' } });
});
after(() => store.close());

describe('ADMIN_PORT: the console on a listener of its own', () => {
  test('two listeners: the public one has no /admin (404), the admin one serves only the console', async () => {
    assert.ok(store.adminApp, 'a second application');
    const address = store.adminApp.server.address() as AddressInfo;
    assert.equal(address.address, '127.0.0.1', 'bound to ADMIN_BIND');
    assert.equal(store.adminUrl, `http://localhost:${address.port}`);
    assert.notEqual(store.adminUrl, store.url);

    const pub = new TestClient(store.url);
    for (const path of ['/admin', '/admin/sign-in', '/admin/setup?token=x', '/admin/orders']) assert.equal((await pub.get(path)).status, 404, `public ${path}`);
    assert.equal((await pub.postForm('/admin/sign-in', { email: 'a@example.jp', password })).status, 404);
    assert.equal((await pub.get('/')).status, 200, 'the storefront is still there');

    const admin = new TestClient(store.adminUrl);
    assert.equal((await admin.get('/admin/sign-in')).status, 200);
    assert.equal((await admin.get('/admin')).location, '/admin/sign-in?next=%2Fadmin');
    assert.equal((await admin.get('/')).status, 404, 'no storefront on the admin listener');
    assert.equal((await admin.get('/api/store/products')).status, 404, 'no API on the admin listener');
    assert.equal((await admin.get('/healthz')).status, 200);
  });

  test('the setup link printed at start points at the admin listener; the owner signs in there with TOTP', async () => {
    assert.ok(store.setupUrl?.startsWith(`${store.adminUrl}/admin/setup?token=`), store.setupUrl ?? 'no link');
    const token = new URL(store.setupUrl!).searchParams.get('token')!;
    assert.equal((await new TestClient(store.url).get(`/admin/setup?token=${token}`)).status, 404, 'not on the public port');

    const admin = new TestClient(store.adminUrl);
    assert.equal((await admin.get(`/admin/setup?token=${token}`)).status, 200);
    const created = await admin.postForm('/admin/setup', { token, name: 'オーナー', email: 'owner@example.jp', password });
    assert.equal(created.status, 303);
    assert.match(created.headers.get('set-cookie') ?? '', /^__Host-admin=[\w-]{43}; .*HttpOnly; .*Secure; .*SameSite=Strict/i);
    const page = await admin.get(created.location!);
    assert.equal(page.status, 200);

    const member = await store.ctx.db.insertInto('staff').values({ email: 'member@example.jp', name: 'メンバー', password_hash: await hashPassword(password), role: 'order_operator' }).returning('id').executeTakeFirstOrThrow();
    const client = new TestClient(store.adminUrl);
    const { response } = await signInStaff(store, client, 'member@example.jp', password);
    assert.equal(response.status, 200, 'enrolled and signed in on the admin origin');
    assert.equal((await client.get('/admin/orders')).status, 200);
    assert.ok(member.id);

    // The same cookie on the public port reaches nothing (cookies are per host, not per port).
    const pub = new TestClient(store.url);
    pub.setCookie('__Host-admin', client.cookie('__Host-admin')!);
    assert.equal((await pub.get('/admin/orders')).status, 404);
  });

  test("CSRF: the admin listener accepts posts from its own origin only, not from the storefront's (same site, other port)", async () => {
    const client = new TestClient(store.adminUrl);
    const fromStore = await client.request('POST', '/admin/sign-out', { headers: { origin: new URL(store.url).origin, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(fromStore.status, 403);
    const own = await client.postForm('/admin/sign-out', {});
    assert.equal(own.status, 303);
  });
});

describe('ADMIN_PORT: links in mails', () => {
  test('export mails link to the admin listener, not to the storefront (where /admin is a 404)', async () => {
    await store.ctx.db.insertInto('staff').values({ email: 'export-owner@example.jp', name: 'エクスポート担当', password_hash: await hashPassword(password), role: 'owner' }).execute();
    const client = new TestClient(store.adminUrl);
    assert.equal((await signInStaff(store, client, 'export-owner@example.jp', password)).response.status, 200);
    // A fresh re-authentication, as the export needs (the step-up flow itself is tested elsewhere).
    await store.ctx.db.updateTable('session').set({ step_up_at: new Date() }).where('realm', '=', 'admin').execute();
    const res = await client.postForm('/admin/exports', { kind: 'customers' });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const [mail] = await mailsTo(store, 'export-owner@example.jp', 'export.notice');
    assert.ok(mail, 'the owner is told of the export');
    assert.ok(mail.text_body.includes(`${store.adminUrl}/admin/exports/history`), mail.text_body);
    assert.ok(!mail.text_body.includes(`${store.url}/admin`), 'no link to the public listener');
  });
});

describe('configuration', () => {
  test('ADMIN_PORT / ADMIN_BIND / ADMIN_URL', () => {
    assert.equal(loadConfig({ ADMIN_PORT: '4100' }).adminUrl, 'http://localhost:4100');
    assert.equal(loadConfig({ ADMIN_PORT: '4100', ADMIN_BIND: '10.8.0.1' }).adminUrl, 'http://10.8.0.1:4100');
    assert.equal(loadConfig({ ADMIN_PORT: '4100', ADMIN_BIND: 'fd00::1' }).adminUrl, 'http://[fd00::1]:4100');
    assert.equal(loadConfig({ ADMIN_PORT: '4100', ADMIN_URL: 'https://admin.example.jp/' }).adminUrl, 'https://admin.example.jp');
    assert.equal(loadConfig({}).adminUrl, undefined);
    assert.throws(() => loadConfig({ ADMIN_PORT: '4100', ADMIN_BIND: 'vpn.example' }), /ADMIN_BIND: must be an IP address/);
    assert.throws(() => loadConfig({ ADMIN_PORT: 'x' }), /ADMIN_PORT/);
  });
});
