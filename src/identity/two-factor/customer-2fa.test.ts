import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { secretFromEnrolmentPage } from '../../../test/sessions.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { throttlePolicy } from '../../platform/throttle/login-throttle.ts';
import { insertCustomerRecord } from '../customers/customer-data.ts';
import { hashPassword } from '../passwords.ts';
import { createSession, sessionCookieBase } from '../sessions/sessions.ts';
import { totpCodeForStep, totpStepAt } from './totp.ts';
import { encryptLegacyTotpSecrets, secretField, staffSubject } from './totp-store.ts';
import { keyIdOf, rotateDek } from '../../vault/index.ts';
import { encryptedTables } from '../../app/encrypted-tables.ts';

let store: TestStore;
let passwordHash: string;
let sessionCookie: string;
const password = 'hojicha latte sunday';
let seq = 0;
let ipSeq = 0;

before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
  passwordHash = await hashPassword(password);
  sessionCookie = store.services.cookies.name(sessionCookieBase.store);
});
after(() => store.close());

/** A fresh client address per client, so per-address limits stay out of the way (except where tested). */
const newClient = (lang = 'ja') => new TestClient(store.url, { 'x-forwarded-for': `10.40.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`, 'accept-language': lang });
const mails = (to: string, kind: string) => mailsTo(store, to, kind);
const sessionsOf = async (customerId: number) => (await store.ctx.db.selectFrom('session').select('id_hash').where('customer_id', '=', customerId).execute()).map((r) => r.id_hash);

async function newCustomer() {
  seq += 1;
  const email = `twofa${seq}@example.jp`;
  const id = await insertCustomerRecord(store.ctx, { email, name: '佐藤 花子', password_hash: passwordHash });
  return { id, email };
}

/** A code the server accepts now: the earliest step within the drift after the last one used (moved back when all are spent). */
async function freshCode(customerId: number, secret: string): Promise<string> {
  const current = totpStepAt(Date.now());
  const row = await store.ctx.db.selectFrom('customer_totp').select('last_step').where('customer_id', '=', customerId).executeTakeFirstOrThrow();
  // The current step first: a code of the step before expires at the next step boundary (a flake seen in CI).
  for (const step of [current, current + 1]) if (row.last_step === null || step > row.last_step) return totpCodeForStep(secret, step);
  await store.ctx.db.updateTable('customer_totp').set({ last_step: current - 1 }).where('customer_id', '=', customerId).execute();
  return totpCodeForStep(secret, current);
}

/** Signs in with the password on the form, then enrols 2FA on the account pages. */
async function enrolled() {
  const { id, email } = await newCustomer();
  const client = newClient();
  assert.equal((await client.postForm('/account/sign-in', { email, password })).status, 303);
  const page = await client.get('/account/2fa/setup');
  const secret = secretFromEnrolmentPage(page);
  const done = await client.postForm('/account/2fa/setup', { current_password: password, code: await freshCode(id, secret) });
  assert.equal(done.status, 200);
  const codes = [...done.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  return { id, email, secret, codes, client };
}

describe('turning 2FA on and off on the account pages', () => {
  test('enrolment: QR code, password and a code confirm it, 10 recovery codes shown once, sessions rotate, the customer is told', async () => {
    const { id, email } = await newCustomer();
    const client = newClient();
    assert.equal((await client.postForm('/account/sign-in', { email, password })).status, 303);
    const before = client.cookie(sessionCookie)!;
    const elsewhere = await createSession(store.ctx.db, 'store', { customerId: id });
    assert.match((await client.get('/account')).text, /href="\/account\/2fa"/);
    assert.match((await client.get('/account/2fa')).text, /2段階認証は無効です/);

    const page = await client.get('/account/2fa/setup');
    assert.equal(page.status, 200);
    assert.match(page.text, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const secret = secretFromEnrolmentPage(page);
    assert.equal(secretFromEnrolmentPage(await client.get('/account/2fa/setup')), secret, 'a reload shows the same pending secret');
    const stored = await store.ctx.db.selectFrom('customer_totp').selectAll().where('customer_id', '=', id).executeTakeFirstOrThrow();
    assert.match(stored.secret, /^v1\./, 'the secret is stored as a vault ciphertext');
    assert.ok(!stored.secret.includes(secret));
    assert.equal(await store.ctx.vault.decrypt({ table: 'customer_totp', column: 'secret', rowId: id }, stored.secret), secret);

    const code = await freshCode(id, secret);
    const wrongPassword = await client.postForm('/account/2fa/setup', { current_password: 'not my password', code });
    assert.equal(wrongPassword.status, 422);
    assert.match(wrongPassword.text, /現在のパスワードが正しくありません|aria-invalid/);
    const wrongCode = await client.postForm('/account/2fa/setup', { current_password: password, code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrongCode.status, 422);
    assert.equal((await store.ctx.db.selectFrom('customer_totp').select('enabled_at').where('customer_id', '=', id).executeTakeFirstOrThrow()).enabled_at, null, 'nothing changed');

    const done = await client.postForm('/account/2fa/setup', { current_password: password, code });
    assert.equal(done.status, 200);
    assert.match(done.headers.get('cache-control') ?? '', /no-store/);
    const codes = [...done.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    const hashes = await store.ctx.db.selectFrom('customer_recovery_code').select('code_hash').where('customer_id', '=', id).execute();
    assert.equal(hashes.length, 10);
    assert.ok(hashes.every((h) => /^[0-9a-f]{64}$/.test(h.code_hash)), 'only hashes are stored');
    assert.notEqual(client.cookie(sessionCookie), before, 'the session id rotates');
    assert.deepEqual(await sessionsOf(id), [hashToken(client.cookie(sessionCookie)!)], 'other sessions end');
    assert.notEqual(hashToken(elsewhere), (await sessionsOf(id))[0]);
    assert.match((await client.get('/account/2fa')).text, /2段階認証は有効です[\s\S]*未使用のリカバリーコード: 10個/);
    assert.match((await mails(email, 'identity.2fa_changed')).at(-1)?.text_body ?? '', /2段階認証が有効になりました/);
    assert.match((await client.get('/account/2fa/setup')).location ?? '', /^\/account\/2fa$/, 'no second enrolment page');
  });

  test('turning off needs the password and a code; the customer is told; sign-in is password-only again', async () => {
    const { id, email, secret, client } = await enrolled();
    const noCode = await client.postForm('/account/2fa/disable', { current_password: password, code: '' });
    assert.equal(noCode.status, 422);
    const noPassword = await client.postForm('/account/2fa/disable', { current_password: 'wrong password!', code: await freshCode(id, secret) });
    assert.equal(noPassword.status, 422);
    assert.ok(await store.ctx.db.selectFrom('customer_totp').select('customer_id').where('customer_id', '=', id).executeTakeFirst(), 'still on');
    const off = await client.postForm('/account/2fa/disable', { current_password: password, code: await freshCode(id, secret) });
    assert.equal(off.status, 303);
    assert.equal(off.location, '/account/2fa?done=off');
    assert.equal(await store.ctx.db.selectFrom('customer_totp').select('customer_id').where('customer_id', '=', id).executeTakeFirst(), undefined);
    assert.equal((await store.ctx.db.selectFrom('customer_recovery_code').select('id').where('customer_id', '=', id).execute()).length, 0);
    assert.match((await mails(email, 'identity.2fa_changed')).at(-1)?.text_body ?? '', /2段階認証が無効になりました/);
    const again = await newClient().postForm('/account/sign-in', { email, password });
    assert.equal(again.location, '/account');
  });

  test('signed-out visitors are sent to sign in; posts without a session are refused', async () => {
    assert.match((await newClient().get('/account/2fa')).location ?? '', /^\/account\/sign-in\?next=/);
    assert.equal((await newClient().postForm('/account/2fa/setup', { current_password: password, code: '123456' })).status, 401);
    assert.equal((await newClient().postForm('/account/2fa/disable', { current_password: password, code: '123456' })).status, 401);
  });
});

describe('signing in with 2FA (HTML)', () => {
  test('the password alone opens no session; the code does, with a new session id; a code cannot be replayed', async () => {
    const { id, email, secret } = await enrolled();
    const client = newClient();
    client.setCookie(sessionCookie, 'planted-session-id-000000000000000000000');
    const sessionsBefore = await sessionsOf(id);
    const first = await client.postForm('/account/sign-in', { email, password, next: '/account/orders' });
    assert.equal(first.status, 303);
    assert.equal(first.location, '/account/sign-in/2fa?next=%2Faccount%2Forders');
    assert.deepEqual(await sessionsOf(id), sessionsBefore, 'no session yet');
    assert.equal(client.cookie(sessionCookie), undefined, 'the planted cookie is dropped, no new one set');
    client.setCookie(sessionCookie, 'planted-session-id-000000000000000000000');
    assert.match((await client.get('/account')).location ?? '', /^\/account\/sign-in/, 'not signed in after the password alone');
    const form = await client.get(first.location!);
    assert.equal(form.status, 200);
    assert.match(form.text, /autocomplete="one-time-code"/);

    const wrong = await client.postForm('/account/sign-in/2fa', { code: '000000', next: '/account/orders' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /コードが正しくないか、すでに使われています/);
    const code = await freshCode(id, secret);
    const ok = await client.postForm('/account/sign-in/2fa', { code, next: '/account/orders' });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/account/orders');
    const token = client.cookie(sessionCookie)!;
    assert.notEqual(token, 'planted-session-id-000000000000000000000', 'a new session id (fixation)');
    assert.deepEqual((await sessionsOf(id)).includes(hashToken(token)), true);
    assert.equal((await client.get('/account')).status, 200);
    assert.equal(await store.ctx.db.selectFrom('customer_sign_in_challenge').select('token_hash').where('customer_id', '=', id).executeTakeFirst(), undefined, 'the challenge is spent');

    // The same code again, in a new sign-in (replay): refused.
    const other = newClient();
    await other.postForm('/account/sign-in', { email, password });
    assert.equal((await other.postForm('/account/sign-in/2fa', { code })).status, 401);
  });

  test('a recovery code works once, and the customer is told', async () => {
    const { email, codes } = await enrolled();
    const client = newClient();
    await client.postForm('/account/sign-in', { email, password });
    const used = await client.postForm('/account/sign-in/2fa', { code: codes[0]!.toUpperCase() });
    assert.equal(used.status, 303);
    assert.match((await mails(email, 'identity.2fa_changed')).at(-1)?.text_body ?? '', /リカバリーコードでログインしました/);
    const again = newClient();
    await again.postForm('/account/sign-in', { email, password });
    assert.equal((await again.postForm('/account/sign-in/2fa', { code: codes[0]! })).status, 401, 'single use');
  });

  test('without a challenge, or after it expires, the code step sends the customer back to the password', async () => {
    const { id, email, secret } = await enrolled();
    assert.match((await newClient().get('/account/sign-in/2fa')).location ?? '', /^\/account\/sign-in/);
    const client = newClient();
    await client.postForm('/account/sign-in', { email, password });
    await store.ctx.db.updateTable('customer_sign_in_challenge').set({ expires_at: new Date(Date.now() - 1000) }).where('customer_id', '=', id).execute();
    const late = await client.postForm('/account/sign-in/2fa', { code: await freshCode(id, secret) });
    assert.equal(late.status, 401);
    assert.match(late.text, /ログインをやり直してください/);
  });

  test('the code step is throttled like passwords: 5 wrong codes kill the challenge, then 429 with Retry-After', async () => {
    const { id, email, secret } = await enrolled();
    const client = newClient();
    await client.postForm('/account/sign-in', { email, password });
    for (let i = 0; i < throttlePolicy.customer.freeFailures; i++) assert.equal((await client.postForm('/account/sign-in/2fa', { code: String(100000 + i) })).status, 401);
    const dead = await client.postForm('/account/sign-in/2fa', { code: await freshCode(id, secret) });
    assert.match(dead.text, /ログインをやり直してください/, 'the challenge is used up');
    await client.postForm('/account/sign-in', { email, password });
    const refused = await client.postForm('/account/sign-in/2fa', { code: await freshCode(id, secret) });
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    assert.match(refused.text, /もう一度お試しください/);
  });

  test('a password reset does not turn 2FA off: the next sign-in still asks for the code', async () => {
    const { id, email } = await enrolled();
    const token = 'r'.repeat(43);
    await store.ctx.db.insertInto('password_reset').values({ token_hash: hashToken(token), customer_id: id, expires_at: new Date(Date.now() + 60_000) }).execute();
    const newPassword = 'matcha warabi mochi';
    const reset = await newClient().postForm('/account/password/reset', { token, password: newPassword });
    assert.equal(reset.status, 303);
    const signIn = await newClient().postForm('/account/sign-in', { email, password: newPassword });
    assert.equal(signIn.location, '/account/sign-in/2fa?next=%2Faccount');
  });

  test('a wrong password answers the same for an account with 2FA, one without, and no account (enumeration)', async () => {
    const withTwoFa = await enrolled();
    const without = await newCustomer();
    const answers = [];
    for (const email of [withTwoFa.email, without.email, 'nobody-here@example.jp']) {
      const res = await newClient().postForm('/account/sign-in', { email, password: 'wrong password 123' });
      answers.push({ status: res.status, text: res.text.replace(email, 'EMAIL'), challenge: res.headers.getSetCookie().some((c) => c.includes('signin2fa')) });
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.deepEqual(answers[1], answers[2]);
    assert.equal(answers[0]!.challenge, false);
  });
});

describe('signing in with 2FA (API)', () => {
  test('202 second_factor_required with a challenge, then the code gives the token; replay and bad challenges are refused', async () => {
    const { id, email, secret } = await enrolled();
    const api = newClient('en');
    const first = await api.json('POST', '/api/store/sessions', { email, password });
    assert.equal(first.status, 202);
    const body = first.json();
    assert.equal(body.status, 'second_factor_required');
    assert.match(body.challenge, /^[\w-]{43}$/);
    assert.equal(body.expires_in, 300);
    assert.match(body.message, /two-step verification/);
    assert.equal(body.token, undefined, 'no token before the code');

    const wrong = await api.json('POST', '/api/store/sessions/second-factor', { challenge: body.challenge, code: '000000' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json().error.code, 'second_factor_failed');
    assert.equal(wrong.json().error.message, 'The code is wrong or has already been used.');
    const code = await freshCode(id, secret);
    const ok = await api.json('POST', '/api/store/sessions/second-factor', { challenge: body.challenge, code });
    assert.equal(ok.status, 200);
    assert.match(ok.json().token, /^[\w-]{43}$/);
    assert.equal(ok.json().customer.email, email);
    assert.equal((await api.json('GET', '/api/store/customers/me', undefined, { authorization: `Bearer ${ok.json().token}` })).status, 200);

    const spent = await api.json('POST', '/api/store/sessions/second-factor', { challenge: body.challenge, code });
    assert.equal(spent.json().error.code, 'challenge_expired');
    const second = (await api.json('POST', '/api/store/sessions', { email, password })).json();
    const replay = await api.json('POST', '/api/store/sessions/second-factor', { challenge: second.challenge, code });
    assert.equal(replay.status, 401);
    assert.equal(replay.json().error.code, 'second_factor_failed', 'a code is accepted once');
    const bogus = await api.json('POST', '/api/store/sessions/second-factor', { challenge: 'x'.repeat(43), code });
    assert.equal(bogus.status, 401);
    assert.equal(bogus.json().error.code, 'challenge_expired');
    // A challenge from the HTML sign-in is not accepted by the API, and the other way round.
    const html = newClient();
    await html.postForm('/account/sign-in', { email, password });
    const htmlChallenge = html.cookie(store.services.cookies.name('signin2fa'))!;
    assert.equal((await api.json('POST', '/api/store/sessions/second-factor', { challenge: htmlChallenge, code: await freshCode(id, secret) })).json().error.code, 'challenge_expired');
  });
});

describe('TOTP secrets at rest', () => {
  test('staff secrets left in clear by 0024 are encrypted at start (idempotent); the database refuses new plain ones', async () => {
    const { db, vault } = store.ctx;
    const plain = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    // Simulate a database from before 0031: the check is NOT VALID, so old rows may hold plain text.
    await sql`alter table staff drop constraint staff_totp_secret_encrypted`.execute(db);
    const row = await db.insertInto('staff').values({ email: 'legacy@example.jp', name: 'Legacy', password_hash: 'x', role: 'owner', totp_secret: plain, totp_enabled_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    await sql`alter table staff add constraint staff_totp_secret_encrypted check (totp_secret is null or totp_secret like 'v1.%') not valid`.execute(db);
    assert.ok((await encryptLegacyTotpSecrets(db, vault)) >= 1);
    const stored = (await db.selectFrom('staff').select('totp_secret').where('id', '=', row.id).executeTakeFirstOrThrow()).totp_secret!;
    assert.match(stored, /^v1\./);
    assert.equal(await vault.decrypt(secretField(staffSubject(row.id)), stored), plain);
    assert.equal(await encryptLegacyTotpSecrets(db, vault), 0, 'a second run changes nothing');
    await assert.rejects(db.updateTable('staff').set({ totp_secret: plain }).where('id', '=', row.id).execute(), /staff_totp_secret_encrypted/);
  });

  test('both tables are registered for key rotation: after `keys rotate --dek customer_totp` codes still verify', async () => {
    assert.deepEqual(encryptedTables.filter((t) => ['staff', 'customer_totp'].includes(t.table)).map((t) => t.columns), [['totp_secret'], ['secret']]);
    const { id, email, secret, client } = await enrolled();
    const before = (await store.ctx.db.selectFrom('customer_totp').select('secret').where('customer_id', '=', id).executeTakeFirstOrThrow()).secret;
    const result = await rotateDek(store.ctx.vault, encryptedTables.find((t) => t.table === 'customer_totp')!, { graceMs: 0 });
    assert.ok(result.rows >= 1);
    const after = (await store.ctx.db.selectFrom('customer_totp').select('secret').where('customer_id', '=', id).executeTakeFirstOrThrow()).secret;
    assert.notEqual(keyIdOf(after), keyIdOf(before), 're-encrypted under the new key');
    await client.postForm('/account/sign-out', {});
    await client.postForm('/account/sign-in', { email, password });
    assert.equal((await client.postForm('/account/sign-in/2fa', { code: await freshCode(id, secret) })).status, 303);
  });
});
