import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { createSession } from '../sessions/sessions.ts';
import { hashPassword } from '../passwords.ts';
import { insertCustomerRecord } from './customer-data.ts';

let store: TestStore;
let passwordHash: string;
const password = 'sakura mochi to ocha';
let ipSeq = 0;

before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
  passwordHash = await hashPassword(password);
});
after(() => store.close());

/** A fresh client address per request, so the per-address limits stay out of these tests. */
const client = (lang = 'ja') => new TestClient(store.url, { 'x-forwarded-for': `10.20.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`, 'accept-language': lang });
const addCustomer = async (email: string, extra: { password_reset_required?: boolean } = {}) => insertCustomerRecord(store.ctx, { email, name: '山田 花子', password_hash: passwordHash, ...extra });
const mails = (to: string, kind?: string) => mailsTo(store, to, kind);
const sessionsOf = async (customerId: number) => (await store.ctx.db.selectFrom('session').select('id_hash').where('customer_id', '=', customerId).execute()).map((r) => r.id_hash);

async function resetLink(email: string): Promise<string> {
  assert.equal((await client().postForm('/account/password/forgot', { email })).status, 303);
  await store.drainJobs();
  const all = await mails(email, 'identity.password_reset');
  const token = /\/account\/password\/reset\?token=([\w-]{43})/.exec(all.at(-1)?.text_body ?? '')?.[1];
  assert.ok(token, 'the mail carries a reset link');
  return token;
}

describe('password reset (HTML)', () => {
  test('the forgot form answers the same for a known and an unknown address; only the account holder gets a link', async () => {
    await addCustomer('known@example.jp');
    const known = await client().postForm('/account/password/forgot', { email: 'known@example.jp' });
    const unknown = await client().postForm('/account/password/forgot', { email: 'unknown@example.jp' });
    assert.equal(known.status, 303);
    assert.equal(unknown.status, known.status);
    assert.equal(unknown.location, known.location);
    assert.equal(unknown.text, known.text);
    assert.equal(known.location, '/account/password/forgot/sent');
    const sent = await client().get('/account/password/forgot/sent');
    assert.match(sent.text, /パスワード再設定用のリンクをお送りしました/);
    await store.drainJobs();
    assert.equal((await mails('known@example.jp', 'identity.password_reset')).length, 1);
    assert.equal((await mails('unknown@example.jp')).length, 0);
    const [row] = await store.ctx.db.selectFrom('password_reset').selectAll().execute();
    assert.ok(row && /^[0-9a-f]{64}$/.test(row.token_hash), 'only a hash of the token is stored');
    assert.ok(Math.abs(row.expires_at.getTime() - row.created_at.getTime() - 30 * 60_000) < 5000, '30 minutes');
  });

  test('a reset sets the new password (policy applies), ends every session, mails the customer; the link then refuses reuse', async () => {
    const id = await addCustomer('reset@example.jp');
    const s1 = await createSession(store.ctx.db, 'store', { customerId: id });
    const s2 = await createSession(store.ctx.db, 'store', { customerId: id });
    const token = await resetLink('reset@example.jp');

    const form = await client().get(`/account/password/reset?token=${token}`);
    assert.equal(form.status, 200);
    assert.equal(form.inputValue('token'), token);
    const weak = await client().postForm('/account/password/reset', { token, password: 'password1234' });
    assert.equal(weak.status, 422);
    assert.match(weak.text, /よく使われているか過去に流出したもの/);

    const ok = await client().postForm('/account/password/reset', { token, password: 'new moon over the tea field' });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/account/password/reset/done');
    assert.deepEqual(await sessionsOf(id), [], 'every session of the account ended');
    assert.ok(!(await sessionsOf(id)).includes(hashToken(s1)) && !(await sessionsOf(id)).includes(hashToken(s2)));
    assert.equal((await mails('reset@example.jp', 'identity.password_changed')).length, 1);
    assert.equal((await client().postForm('/account/sign-in', { email: 'reset@example.jp', password })).status, 401, 'the old password is dead');
    assert.equal((await client().postForm('/account/sign-in', { email: 'reset@example.jp', password: 'new moon over the tea field' })).status, 303);

    const again = await client().get(`/account/password/reset?token=${token}`);
    assert.equal(again.status, 410);
    assert.match(again.text, /このリンクはすでに使用されています/);
    const replay = await client('en').postForm('/account/password/reset', { token, password: 'another fine passphrase' });
    assert.equal(replay.status, 410);
    assert.match(replay.text, /already been used/);
  });

  test('an expired link is refused with a clear message; a made-up one too', async () => {
    await addCustomer('expired@example.jp');
    const token = await resetLink('expired@example.jp');
    await store.ctx.db.updateTable('password_reset').set({ expires_at: new Date(Date.now() - 1000) }).where('token_hash', '=', hashToken(token)).execute();
    const res = await client().get(`/account/password/reset?token=${token}`);
    assert.equal(res.status, 410);
    assert.match(res.text, /有効期限（30分）が切れています/);
    const post = await client('en').postForm('/account/password/reset', { token, password: 'new moon over the tea field' });
    assert.equal(post.status, 410);
    assert.match(post.text, /This link has expired/);
    const fake = await client('en').get(`/account/password/reset?token=${'A'.repeat(43)}`);
    assert.equal(fake.status, 410);
    assert.match(fake.text, /This link is not valid/);
  });

  test('an account flagged by an emergency action cannot sign in with its password: a reset link is sent', async () => {
    await addCustomer('flagged@example.jp', { password_reset_required: true });
    const res = await client().postForm('/account/sign-in', { email: 'flagged@example.jp', password });
    assert.equal(res.status, 403);
    assert.match(res.text, /パスワードの再設定が必要です/);
    const token = (await (async () => {
      await store.drainJobs();
      return /token=([\w-]{43})/.exec((await mails('flagged@example.jp', 'identity.password_reset'))[0]?.text_body ?? '')?.[1];
    })())!;
    assert.equal((await client().postForm('/account/password/reset', { token, password: 'new moon over the tea field' })).status, 303);
    assert.equal((await client().postForm('/account/sign-in', { email: 'flagged@example.jp', password: 'new moon over the tea field' })).status, 303);
  });
});

describe('password reset (API)', () => {
  test('requestPasswordReset: 202 either way; confirmPasswordReset: 204, then 410 for reuse; weak passwords 422 with a clear message', async () => {
    await addCustomer('api-reset@example.jp');
    const known = await client('en').json('POST', '/api/store/password-resets', { email: 'api-reset@example.jp' });
    const unknown = await client('en').json('POST', '/api/store/password-resets', { email: 'nobody-api@example.jp' });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.deepEqual(unknown.json(), known.json());
    await store.drainJobs();
    const token = /token=([\w-]{43})/.exec((await mails('api-reset@example.jp', 'identity.password_reset'))[0]!.text_body)![1]!;
    const weak = await client('en').json('POST', '/api/store/password-resets/confirm', { token, password: 'qwertyuiop12' });
    assert.equal(weak.status, 422);
    assert.match(weak.json().error.fields.password, /too common/);
    const ok = await client('en').json('POST', '/api/store/password-resets/confirm', { token, password: 'new moon over the tea field' });
    assert.equal(ok.status, 204);
    const reuse = await client('en').json('POST', '/api/store/password-resets/confirm', { token, password: 'another fine passphrase' });
    assert.equal(reuse.status, 410);
    assert.equal(reuse.json().error.code, 'reset_used');
    const session = await client('en').json('POST', '/api/store/sessions', { email: 'api-reset@example.jp', password: 'new moon over the tea field' });
    assert.equal(session.status, 200);
  });

  test('reset requests are limited per address: 429 with Retry-After after 3 in 30 minutes, known or not', async () => {
    for (const email of ['limited@example.jp', 'limited-unknown@example.jp']) {
      if (email === 'limited@example.jp') await addCustomer(email);
      for (let i = 0; i < 3; i++) assert.equal((await client('en').json('POST', '/api/store/password-resets', { email })).status, 202);
      const res = await client('en').json('POST', '/api/store/password-resets', { email });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      const html = await client().postForm('/account/password/forgot', { email });
      assert.equal(html.status, 429);
      assert.match(html.text, /後にもう一度お試しください/);
    }
  });

  test('the OpenAPI document names both operations', async () => {
    const doc = (await client().get('/api/openapi.json')).json();
    assert.equal(doc.paths['/api/store/password-resets']?.post?.operationId ?? doc.paths['/store/password-resets']?.post?.operationId, 'requestPasswordReset');
    assert.equal(doc.paths['/api/store/password-resets/confirm']?.post?.operationId ?? doc.paths['/store/password-resets/confirm']?.post?.operationId, 'confirmPasswordReset');
  });
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median response times of two kinds of request, interleaved so that load affects both alike. */
async function medians(n: number, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await a(i);
    ta.push(performance.now() - t);
    t = performance.now();
    await b(i);
    tb.push(performance.now() - t);
  }
  return [median(ta), median(tb)];
}

/** Generous on purpose: it catches a missing argon2 (tens of ms against about one) without flaking. */
const similar = ([a, b]: [number, number], what: string) => assert.ok(Math.abs(a - b) <= Math.max(a, b) * 0.6 + 15, `${what}: medians ${a.toFixed(1)} ms and ${b.toFixed(1)} ms`);

describe('no user enumeration', () => {
  test('sign-in, registration and reset: same answers, and about the same time, for existing and unknown accounts', async () => {
    const existing = Array.from({ length: 7 }, (_, i) => `timing${i}@example.jp`);
    for (const e of existing) await addCustomer(e);
    // Sign-in: a wrong password for an existing account vs an unknown account (each its own account and address, no throttle).
    const signIns = await medians(
      7,
      (i) => client().postForm('/account/sign-in', { email: existing[i]!, password: 'not the password' }),
      (i) => client().postForm('/account/sign-in', { email: `ghost${i}@example.jp`, password: 'not the password' }),
    );
    similar(signIns, 'sign-in');
    const wrong = await client().postForm('/account/sign-in', { email: existing[0]!, password: 'not the password 2' });
    const ghost = await client().postForm('/account/sign-in', { email: 'ghost-x@example.jp', password: 'not the password 2' });
    assert.equal(wrong.status, ghost.status);
    assert.equal(wrong.text.replace(existing[0]!, 'X'), ghost.text.replace('ghost-x@example.jp', 'X'));

    const registrations = await medians(
      5,
      (i) => client().postForm('/account/register', { name: '山田 花子', email: existing[i]!, password: 'kissaten-no-mame', agree_terms: 'on' }),
      (i) => client().postForm('/account/register', { name: '山田 花子', email: `newcomer${i}@example.jp`, password: 'kissaten-no-mame', agree_terms: 'on' }),
    );
    similar(registrations, 'registration');

    const resets = await medians(
      5,
      (i) => client().postForm('/account/password/forgot', { email: existing[i]! }),
      (i) => client().postForm('/account/password/forgot', { email: `nobody-here${i}@example.jp` }),
    );
    similar(resets, 'reset request');
  });
});
