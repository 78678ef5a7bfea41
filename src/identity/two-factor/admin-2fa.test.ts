import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { freshTotpCode, secretFromEnrolmentPage, signInStaff, staffClient } from '../../../test/sessions.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { hashPassword } from '../passwords.ts';
import { insertCustomerRecord } from '../customers/customer-data.ts';
import { normalizeRecoveryCode } from './recovery-codes.ts';
import { sessionCookieBase, sessionLifetimes } from '../sessions/sessions.ts';
import { stepUpLifetimeMs } from '../sessions/step-up.ts';
import { totpCodeForStep, totpStepAt } from './totp.ts';

let store: TestStore;
let adminCookie: string;
before(async () => {
  store = await startTestStore();
  adminCookie = store.services.cookies.name(sessionCookieBase.admin);
});
after(() => store.close());

const password = 'a long staff passphrase';
let seq = 0;
/** A staff member created by an owner: a password, no TOTP yet. */
async function newStaff(role: 'owner' | 'administrator' | 'order_operator' | 'customer_support' | 'content_editor' = 'order_operator') {
  seq += 1;
  const email = `member${seq}@example.jp`;
  const row = await store.ctx.db.insertInto('staff').values({ name: `メンバー${seq}`, email, role, password_hash: await hashPassword(password) }).returning('id').executeTakeFirstOrThrow();
  return { id: row.id, email };
}
const staffRow = (id: number) => store.ctx.db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sessionRow = (token: string) => store.ctx.db.selectFrom('session').selectAll().where('id_hash', '=', hashToken(token)).executeTakeFirst();

describe('mandatory TOTP', () => {
  test('a new staff member is forced through enrolment and cannot reach /admin until enrolled', async () => {
    const { id, email } = await newStaff();
    const client = new TestClient(store.url);
    client.setCookie(adminCookie, 'planted-session-id-000000000000000000');
    const first = await client.postForm('/admin/sign-in', { email, password, next: '/admin/orders' });
    assert.equal(first.status, 303);
    assert.equal(first.location, '/admin/2fa/setup?next=%2Fadmin%2Forders');
    assert.match(first.headers.get('set-cookie') ?? '', /^__Host-admin=[\w-]{43}; .*HttpOnly; .*Secure; .*SameSite=Strict/i);
    const partialToken = client.cookie(adminCookie)!;
    assert.notEqual(partialToken, 'planted-session-id-000000000000000000', 'the session id rotates at sign-in');
    assert.equal((await sessionRow(partialToken))?.second_factor_at, null, 'the session is partial, server-side');

    for (const path of ['/admin', '/admin/orders', '/admin/step-up', '/admin/password']) {
      assert.equal((await client.get(path)).location, `/admin/2fa?next=${encodeURIComponent(path)}`, path);
    }
    assert.equal((await client.postForm('/admin/orders/1/status', { status: 'shipped' })).status, 401);
    assert.equal((await client.get('/admin/2fa')).location, '/admin/2fa?next=%2Fadmin'.replace('/admin/2fa?', '/admin/2fa/setup?'));

    const page = await client.get('/admin/2fa/setup?next=%2Fadmin%2Forders');
    assert.equal(page.status, 200);
    assert.match(page.text, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, 'the QR code is inline SVG');
    const secret = secretFromEnrolmentPage(page);
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(secretFromEnrolmentPage(await client.get('/admin/2fa/setup')), secret, 'a reload shows the same pending secret');

    const wrong = await client.postForm('/admin/2fa/setup', { code: '000000', next: '/admin/orders' });
    assert.equal(wrong.status, 422);
    assert.equal((await staffRow(id)).totp_enabled_at, null);

    const done = await client.postForm('/admin/2fa/setup', { code: await freshTotpCode(store.ctx.db, id, secret), next: '/admin/orders' });
    assert.equal(done.status, 200);
    const codes = [...done.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    const stored = await store.ctx.db.selectFrom('staff_recovery_code').select('code_hash').where('staff_id', '=', id).execute();
    assert.deepEqual(stored.map((r) => r.code_hash).sort(), codes.map((c) => hashToken(normalizeRecoveryCode(c))).sort(), 'only hashes are stored');
    assert.match(done.text, /href="\/admin\/orders"/);

    const fullToken = client.cookie(adminCookie)!;
    assert.notEqual(fullToken, partialToken, 'the session id rotates again after the second factor');
    assert.equal(await sessionRow(partialToken), undefined);
    assert.ok((await sessionRow(fullToken))?.second_factor_at);
    assert.equal((await client.get('/admin/orders')).status, 200);
    // After enrolment the secret is never shown again.
    assert.equal((await client.get('/admin/2fa/setup')).location, '/admin');
    assert.doesNotMatch((await client.get('/admin/orders')).text, new RegExp(secret));
    assert.ok((await staffRow(id)).totp_enabled_at);
  });

  test('a TOTP code is accepted once: a replay (same time step or an older one) is refused', async () => {
    const { id, email } = await newStaff();
    const { secret } = await signInStaff(store, new TestClient(store.url), email, password);
    const step = totpStepAt(Date.now()) + 1;
    const code = await totpCodeForStep(secret, step);
    await store.ctx.db.updateTable('staff').set({ totp_last_step: step - 1 }).where('id', '=', id).execute();

    const a = new TestClient(store.url);
    assert.equal((await a.postForm('/admin/sign-in', { email, password })).location, '/admin/2fa');
    assert.equal((await a.postForm('/admin/2fa', { code, next: '/admin' })).location, '/admin');
    assert.equal((await staffRow(id)).totp_last_step, step);

    const b = new TestClient(store.url);
    await b.postForm('/admin/sign-in', { email, password });
    const replay = await b.postForm('/admin/2fa', { code, next: '/admin' });
    assert.equal(replay.status, 401);
    assert.match(replay.text, /コードが正しくないか、すでに使われています。/);
    const older = await b.postForm('/admin/2fa', { code: await totpCodeForStep(secret, step - 1), next: '/admin' });
    assert.equal(older.status, 401, 'a step before the last used one is refused too');
    assert.equal((await b.get('/admin')).location, '/admin/2fa?next=%2Fadmin');
    const far = await b.postForm('/admin/2fa', { code: await totpCodeForStep(secret, totpStepAt(Date.now()) + 3), next: '/admin' });
    assert.equal(far.status, 401, 'only ±1 step of drift');
  });

  test('a recovery code works once', async () => {
    const { id, email } = await newStaff();
    const { recoveryCodes, secret } = await signInStaff(store, new TestClient(store.url), email, password);
    assert.ok(secret);
    const [code] = recoveryCodes;
    const a = new TestClient(store.url);
    await a.postForm('/admin/sign-in', { email, password });
    assert.equal((await a.postForm('/admin/2fa', { code: code!.toUpperCase().replace('-', ' '), next: '/admin' })).location, '/admin');
    assert.equal((await a.get('/admin')).status, 200);
    const b = new TestClient(store.url);
    await b.postForm('/admin/sign-in', { email, password });
    assert.equal((await b.postForm('/admin/2fa', { code: code!, next: '/admin' })).status, 401);
    const used = await store.ctx.db.selectFrom('staff_recovery_code').select('used_at').where('staff_id', '=', id).where('used_at', 'is not', null).execute();
    assert.equal(used.length, 1);
    const event = await store.ctx.db.selectFrom('staff_security_event').select('action').where('target_staff_id', '=', id).where('action', '=', 'recovery_code_used').execute();
    assert.equal(event.length, 1);
  });

  test('an owner resets a staff member\'s 2FA: recorded, their sessions end, and they enrol again', async () => {
    const { id, email } = await newStaff();
    const member = new TestClient(store.url);
    await signInStaff(store, member, email, password);
    const { client: owner, staffId: ownerId } = await staffClient(store, 'owner');
    assert.equal((await owner.postForm(`/admin/staff/${id}/reset-2fa`, {})).location, '/admin/staff?done=reset2fa');
    const row = await staffRow(id);
    assert.equal(row.totp_secret, null);
    assert.equal(row.totp_enabled_at, null);
    assert.equal((await member.get('/admin')).location, '/admin/sign-in?next=%2Fadmin', 'their session ended');
    assert.equal((await store.ctx.db.selectFrom('staff_recovery_code').select('id').where('staff_id', '=', id).execute()).length, 0);
    const event = await store.ctx.db.selectFrom('staff_security_event').selectAll().where('target_staff_id', '=', id).where('action', '=', 'totp_reset').executeTakeFirstOrThrow();
    assert.equal(event.actor_staff_id, ownerId);
    assert.equal((await new TestClient(store.url).postForm('/admin/sign-in', { email, password })).location, '/admin/2fa/setup');
    assert.equal((await owner.postForm(`/admin/staff/${ownerId}/reset-2fa`, {})).status, 409, 'not one\'s own');
    const mails = await mailsTo(store, email);
    assert.deepEqual(mails.map((m) => m.kind), ['identity.2fa_changed', 'identity.2fa_changed'], 'told at enrolment and at the reset');
  });
});

describe('sessions', () => {
  test('cookie attributes; idle timeout of 15 minutes and 12 hours absolute; sign-out ends it server-side', async () => {
    assert.equal(sessionLifetimes.admin.idleMs, 15 * 60_000);
    assert.equal(sessionLifetimes.admin.absoluteMs, 12 * 3600_000);
    const { client, token } = await staffClient(store, 'content_editor');
    assert.equal((await client.get('/admin')).status, 200);
    const idle = new Date(Date.now() - 16 * 60_000);
    await store.ctx.db.updateTable('session').set({ last_seen_at: idle, expires_at: new Date(idle.getTime() + sessionLifetimes.admin.idleMs) }).where('id_hash', '=', hashToken(token)).execute();
    const res = await client.get('/admin');
    assert.equal(res.location, '/admin/sign-in?next=%2Fadmin');
    assert.equal(client.cookie(adminCookie), undefined, 'the dead cookie is cleared');
    assert.equal(await sessionRow(token), undefined, 'the expired session is deleted');

    const { client: other, token: otherToken } = await staffClient(store, 'content_editor');
    // Active all along (expires_at slides) but started more than 12 hours ago.
    await store.ctx.db.updateTable('session').set({ created_at: new Date(Date.now() - 12 * 3600_000 - 1000), expires_at: new Date(Date.now() + 10 * 60_000) }).where('id_hash', '=', hashToken(otherToken)).execute();
    assert.equal((await other.get('/admin')).location, '/admin/sign-in?next=%2Fadmin');

    const { client: third, token: thirdToken } = await staffClient(store, 'content_editor');
    assert.equal((await third.postForm('/admin/sign-out', {})).location, '/admin/sign-in');
    assert.equal(await sessionRow(thirdToken), undefined);
  });

  test('a role change ends the member\'s sessions (privilege change) and is recorded', async () => {
    const { client: owner } = await staffClient(store, 'owner');
    const { client: member, staffId } = await staffClient(store, 'content_editor');
    assert.equal((await owner.postForm(`/admin/staff/${staffId}/role`, { role: 'order_operator' })).location, '/admin/staff?done=role');
    assert.equal((await staffRow(staffId)).role, 'order_operator');
    assert.equal((await member.get('/admin')).status, 303);
    const event = await store.ctx.db.selectFrom('staff_security_event').select('detail').where('target_staff_id', '=', staffId).where('action', '=', 'role_changed').executeTakeFirstOrThrow();
    assert.equal(event.detail, 'content_editor -> order_operator');
  });
});

describe('step-up re-authentication', () => {
  test('settings and staff changes need password + a fresh TOTP code, valid for 5 minutes', async () => {
    const { client, staffId, totpSecret } = await staffClient(store, 'owner', { stepUp: false, password });
    const before = (await store.ctx.db.selectFrom('staff').select('id').execute()).length;

    const blocked = await client.postForm('/admin/settings', { name: 'x' }, { referer: `${store.url}/admin/settings` });
    assert.equal(blocked.location, '/admin/step-up?next=%2Fadmin%2Fsettings');
    const staffBlocked = await client.postForm('/admin/staff', { name: 'x', email: 'new-member@example.jp', role: 'owner', password: 'long enough password' });
    assert.match(staffBlocked.location ?? '', /^\/admin\/step-up\?next=/);
    assert.equal((await store.ctx.db.selectFrom('staff').select('id').execute()).length, before, 'nothing changed');
    assert.equal((await client.get('/admin/settings')).status, 200, 'reading needs no step-up');

    const form = await client.get('/admin/step-up?next=%2Fadmin%2Fsettings');
    assert.equal(form.status, 200);
    assert.equal(form.inputValue('next'), '/admin/settings');
    const wrongPassword = await client.postForm('/admin/step-up', { password: 'not the password', code: await freshTotpCode(store.ctx.db, staffId, totpSecret), next: '/admin/settings' });
    assert.equal(wrongPassword.status, 401);
    const wrongCode = await client.postForm('/admin/step-up', { password, code: '000000', next: '/admin/settings' });
    assert.equal(wrongCode.status, 401);
    const ok = await client.postForm('/admin/step-up', { password, code: await freshTotpCode(store.ctx.db, staffId, totpSecret), next: '/admin/settings' });
    assert.equal(ok.location, '/admin/settings', 'back to what they were doing');
    assert.equal((await client.postForm('/admin/step-up', { password, code: await freshTotpCode(store.ctx.db, staffId, totpSecret), next: '//evil.example' })).location, '/admin', 'same-site paths only');

    const passed = await client.postForm('/admin/settings', { name: '' });
    assert.equal(passed.status, 422, 'the settings handler ran (validation), the step-up guard let it through');

    // Five minutes later the step-up has lapsed.
    const token = client.cookie(adminCookie)!;
    await store.ctx.db.updateTable('session').set({ step_up_at: new Date(Date.now() - stepUpLifetimeMs - 1000) }).where('id_hash', '=', hashToken(token)).execute();
    assert.match((await client.postForm('/admin/settings', { name: '' })).location ?? '', /^\/admin\/step-up/);
  });
});

describe('emergency actions', () => {
  test('owner-only: others get 403', async () => {
    for (const role of ['administrator', 'order_operator', 'customer_support', 'content_editor'] as const) {
      const { client } = await staffClient(store, role);
      assert.equal((await client.get('/admin/security/emergency')).status, 403, role);
      assert.equal((await client.postForm('/admin/security/emergency/revoke_sessions', { 'confirm-revoke_sessions': 'x' })).status, 403, role);
    }
  });

  test('revoke every session: needs step-up and the typed shop name; the owner stays signed in with a new id; recorded', async () => {
    const shopName = (await store.services.shop.get()).name;
    const { client: owner, staffId: ownerId, token: ownerToken } = await staffClient(store, 'owner', { stepUp: false });
    const { client: other } = await staffClient(store, 'order_operator');
    const customer = { id: await insertCustomerRecord(store.ctx, { email: 'victim@example.jp', name: '客 一郎', password_hash: 'x' }) };
    const { createSession } = await import('../sessions/sessions.ts');
    const customerToken = await createSession(store.ctx.db, 'store', { customerId: customer.id });

    assert.match((await owner.postForm('/admin/security/emergency/revoke_sessions', { 'confirm-revoke_sessions': shopName })).location ?? '', /^\/admin\/step-up/);
    await store.ctx.db.updateTable('session').set({ step_up_at: new Date() }).where('id_hash', '=', hashToken(ownerToken)).execute();
    const wrong = await owner.postForm('/admin/security/emergency/revoke_sessions', { 'confirm-revoke_sessions': 'yes' });
    assert.equal(wrong.status, 422);
    assert.ok(await sessionRow(customerToken), 'nothing happened');

    const res = await owner.postForm('/admin/security/emergency/revoke_sessions', { 'confirm-revoke_sessions': shopName });
    assert.match(res.location ?? '', /^\/admin\/security\/emergency\?done=1/);
    assert.equal(await sessionRow(customerToken), undefined);
    assert.equal((await other.get('/admin')).status, 303, 'other staff are signed out');
    assert.equal(await sessionRow(ownerToken), undefined, 'the owner\'s old id is gone');
    const newToken = owner.cookie(adminCookie)!;
    assert.notEqual(newToken, ownerToken);
    assert.equal((await store.ctx.db.selectFrom('session').select('id_hash').execute()).length, 1, 'only the owner\'s rotated session is left');
    const page = await owner.get('/admin/security/emergency');
    assert.equal(page.status, 200);
    const record = await store.ctx.db.selectFrom('emergency_action').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(record.action, 'revoke_sessions');
    assert.equal(record.staff_id, ownerId);
    assert.ok(record.sessions_revoked >= 2);
  });

  test('force password resets: customers are flagged and mailed, staff are flagged and must change it after 2FA', async () => {
    const shopName = (await store.services.shop.get()).name;
    const { client: owner, staffId: ownerId } = await staffClient(store, 'owner');
    await insertCustomerRecord(store.ctx, { email: 'reset-me@example.jp', name: '客 二郎', password_hash: 'x' });
    const customers = await owner.postForm('/admin/security/emergency/reset_customer_passwords', { 'confirm-reset_customer_passwords': shopName });
    assert.equal(customers.status, 303);
    const flagged = await store.ctx.db.selectFrom('customer').select(['password_reset_required']).execute();
    assert.ok(flagged.length >= 1 && flagged.every((c) => c.password_reset_required));
    const [mail] = await mailsTo(store, 'reset-me@example.jp');
    assert.ok(mail);
    assert.match(mail.text_body, new RegExp(`${store.ctx.config.publicUrl}/account/password/forgot`));

    const { id, email } = await newStaff('content_editor');
    const { secret } = await signInStaff(store, new TestClient(store.url), email, password);
    const staffRes = await owner.postForm('/admin/security/emergency/reset_staff_passwords', { 'confirm-reset_staff_passwords': shopName });
    assert.equal(staffRes.status, 303);
    assert.equal((await staffRow(id)).password_reset_required, true);
    assert.equal((await staffRow(ownerId)).password_reset_required, false, 'the acting owner is not flagged');
    assert.equal((await owner.get('/admin')).status, 200);
    const records = await store.ctx.db.selectFrom('emergency_action').select(['action', 'customers_flagged', 'staff_flagged']).where('action', '!=', 'revoke_sessions').orderBy('id').execute();
    assert.deepEqual(records.map((r) => r.action), ['reset_customer_passwords', 'reset_staff_passwords']);
    assert.ok(records[0]!.customers_flagged >= 1);
    assert.ok(records[1]!.staff_flagged >= 1);

    const member = new TestClient(store.url);
    const { response } = await signInStaff(store, member, email, password, { secret });
    assert.equal(response.location, '/admin');
    assert.equal((await member.get('/admin')).location, '/admin/password', 'nothing but the password change');
    const same = await member.postForm('/admin/password', { current_password: password, new_password: password });
    assert.equal(same.status, 422);
    const changed = await member.postForm('/admin/password', { current_password: password, new_password: 'a brand new passphrase' });
    assert.equal(changed.location, '/admin');
    assert.equal((await staffRow(id)).password_reset_required, false);
    assert.equal((await member.get('/admin')).status, 200);
  });
});

describe('admin access restrictions', () => {
  test('ADMIN_IP_ALLOWLIST: outside the list the console is refused; inside it works', async () => {
    const limited = await startTestStore({ config: { adminIpAllowlist: ['203.0.113.0/24', '2001:db8::/32'] } });
    try {
      const res = await new TestClient(limited.url).get('/admin/sign-in');
      assert.equal(res.status, 403);
      assert.equal((await new TestClient(limited.url).get('/')).status, 200, 'the storefront is not affected');
    } finally {
      await limited.close();
    }
    const open = await startTestStore({ config: { adminIpAllowlist: ['127.0.0.1', '::1'] } });
    try {
      assert.equal((await new TestClient(open.url).get('/admin/sign-in')).status, 200);
    } finally {
      await open.close();
    }
  });

  test('ADMIN_HOST: /admin answers only on that host name', async () => {
    const separate = await startTestStore({ config: { adminHost: 'admin.localhost' } });
    try {
      assert.equal((await new TestClient(separate.url).get('/admin/sign-in')).status, 404);
      const port = new URL(separate.url).port;
      // fetch() will not send a Host header of our choosing: a plain HTTP request does.
      const statusFor = (host: string) =>
        new Promise<number>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/admin/sign-in', headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
      assert.equal(await statusFor(`admin.localhost:${port}`), 200);
      assert.equal(await statusFor(`shop.localhost:${port}`), 404);
    } finally {
      await separate.close();
    }
  });

  test('config: the variables are parsed and bad values stop the start', async () => {
    const { loadConfig } = await import('../../platform/config.ts');
    const c = loadConfig({ ADMIN_IP_ALLOWLIST: ' 10.0.0.0/8, 192.0.2.7 ,2001:db8::/48', ADMIN_HOST: 'Admin.Example.jp' } as NodeJS.ProcessEnv);
    assert.deepEqual(c.adminIpAllowlist, ['10.0.0.0/8', '192.0.2.7', '2001:db8::/48']);
    assert.equal(c.adminHost, 'admin.example.jp');
    assert.throws(() => loadConfig({ ADMIN_IP_ALLOWLIST: '10.0.0.0/33' } as NodeJS.ProcessEnv), /ADMIN_IP_ALLOWLIST/);
    assert.throws(() => loadConfig({ ADMIN_IP_ALLOWLIST: 'example.jp' } as NodeJS.ProcessEnv), /ADMIN_IP_ALLOWLIST/);
    assert.deepEqual(loadConfig({} as NodeJS.ProcessEnv).adminIpAllowlist, []);
  });
});
