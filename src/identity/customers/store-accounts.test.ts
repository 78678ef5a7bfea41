import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { customerClient } from '../../../test/sessions.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { createSession, sessionCookieBase } from '../sessions/sessions.ts';
import { decryptAddress, decryptCustomer } from './customer-data.ts';

let store: TestStore;
let cookieName: string;
before(async () => {
  store = await startTestStore();
  cookieName = store.services.cookies.name(sessionCookieBase.store);
});
after(() => store.close());

const password = 'kissaten-no-mame';
const register = (client: TestClient, fields: Record<string, string>) => client.postForm('/account/register', { name: '山田 花子', name_kana: 'ヤマダ ハナコ', password, phone: '', agree_terms: 'on', ...fields });
// The columns hold ciphertexts: read them as the store does.
const customers = async () => Promise.all((await store.ctx.db.selectFrom('customer').selectAll().execute()).map((r) => decryptCustomer(store.ctx.vault, r)));
const mails = (to: string) => mailsTo(store, to);
const sessionExists = async (token: string) => (await store.ctx.db.selectFrom('session').select('id_hash').where('id_hash', '=', hashToken(token)).executeTakeFirst()) !== undefined;

describe('registration', () => {
  test('bad input: 422, localized messages next to the fields, nothing stored', async () => {
    const ja = await new TestClient(store.url).postForm('/account/register', { name: '', email: 'not-an-email', password: 'short', name_kana: 'yamada', phone: '12' });
    assert.equal(ja.status, 422);
    assert.match(ja.text, /<input id="name"[^>]*aria-invalid="true"[^>]*aria-describedby="name-error"/);
    assert.match(ja.text, /id="name-error">入力してください。</);
    assert.match(ja.text, /id="email-error">メールアドレスの形式が正しくありません/);
    assert.match(ja.text, /id="password-error">パスワードは8文字以上128文字以内/);
    assert.match(ja.text, /id="name_kana-error">フリガナはカタカナかひらがな/);
    assert.match(ja.text, /id="phone-error">電話番号は/);
    assert.match(ja.text, /value="not-an-email"/, 'entered values are kept');
    assert.doesNotMatch(ja.text, /value="short"/, 'the password is never echoed');
    assert.match(ja.text, /<p class="field-error" id="agree_terms-error">会員登録には利用規約への同意が必要です。/);
    // Everything else right, but the terms not agreed to: refused next to the checkbox, nothing stored.
    const noConsent = await new TestClient(store.url).postForm('/account/register', { name: '山田 花子', email: 'consent@example.jp', password, phone: '' });
    assert.equal(noConsent.status, 422);
    assert.match(noConsent.text, /<input type="checkbox" id="agree_terms"[^>]*aria-invalid="true"/);
    assert.match(noConsent.text, /<a href="\/legal\/terms" target="_blank" rel="noopener">/);
    const terms = await new TestClient(store.url).get('/legal/terms');
    assert.equal(terms.status, 200);
    assert.match(terms.text, /<h1>利用規約<\/h1>/);
    assert.match(terms.text, /第1条（適用）/);
    const en = await new TestClient(store.url, { 'accept-language': 'en' }).postForm('/account/register', { name: 'Hanako', email: '', password: 'x' });
    assert.equal(en.status, 422);
    assert.match(en.text, /id="email-error">Please fill this in\.</);
    assert.match(en.text, /Passwords must be 8 to 128 characters long\./);
    assert.equal((await customers()).length, 0);
  });

  test('success: normalized e-mail, argon2id hash, welcome mail, not signed in', async () => {
    const client = new TestClient(store.url);
    const res = await register(client, { email: 'Ｈａｎａｋｏ@Example.JP', phone: '090-1234-5678' });
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account/register/done');
    assert.equal(client.cookie(cookieName), undefined);
    const [row] = await customers();
    assert.equal(row?.email, 'hanako@example.jp');
    assert.equal(row?.phone, '09012345678');
    assert.match(row?.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.deepEqual((await mails('hanako@example.jp')).map((m) => m.kind), ['identity.welcome']);
    assert.match((await client.get('/account/register/done')).text, /ご登録を受け付けました/);
  });

  test('an existing e-mail gets the same answer, the account is untouched, its holder is told', async () => {
    const first = await register(new TestClient(store.url), { email: 'taken@example.jp' });
    const again = await register(new TestClient(store.url), { email: 'TAKEN@example.jp', name: 'Mallory', password: 'attacker-password' });
    assert.equal(again.status, first.status);
    assert.equal(again.location, first.location);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('set-cookie'), first.headers.get('set-cookie'));
    const rows = (await customers()).filter((c) => c.email === 'taken@example.jp');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.name, '山田 花子');
    assert.deepEqual((await mails('taken@example.jp')).map((m) => m.kind), ['identity.welcome', 'identity.register_attempt']);
    // The attacker's password does not work; the owner's does.
    assert.equal((await new TestClient(store.url).postForm('/account/sign-in', { email: 'taken@example.jp', password: 'attacker-password' })).status, 401);
    assert.equal((await new TestClient(store.url).postForm('/account/sign-in', { email: 'taken@example.jp', password })).status, 303);
  });
});

describe('sign-in and sign-out', () => {
  before(async () => {
    await register(new TestClient(store.url), { email: 'signin@example.jp' });
  });

  test('unknown e-mail and wrong password answer identically', async () => {
    const unknown = await new TestClient(store.url).postForm('/account/sign-in', { email: 'nobody@example.jp', password });
    const wrong = await new TestClient(store.url).postForm('/account/sign-in', { email: 'signin@example.jp', password: 'wrong-password' });
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.equal(unknown.text.replace('nobody@example.jp', 'X'), wrong.text.replace('signin@example.jp', 'X'));
    assert.match(wrong.text, /メールアドレスまたはパスワードが正しくありません。/);
    const en = await new TestClient(store.url, { 'accept-language': 'en' }).postForm('/account/sign-in', { email: 'nobody@example.jp', password });
    assert.match(en.text, /The e-mail address or password is not correct\./);
  });

  test('sign-in replaces the session id (fixation), merges the guest cart, sign-out kills the session server-side', async () => {
    const client = new TestClient(store.url);
    const planted = await createSession(store.ctx.db, 'store', {});
    client.setCookie(cookieName, planted);
    client.setCookie(store.services.cookies.name('cart'), 'guest-cart-token');
    const merges: Array<[string, number]> = [];
    const original = store.services.cart.mergeIntoCustomer;
    store.services.cart.mergeIntoCustomer = async (_trx, hash, id) => void merges.push([hash, id]);
    try {
      const res = await client.postForm('/account/sign-in', { email: ' SignIn@Example.jp ', password });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/account');
      assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly/i);
      assert.match(res.headers.get('set-cookie') ?? '', /SameSite=Lax/i);
    } finally {
      store.services.cart.mergeIntoCustomer = original;
    }
    const token = client.cookie(cookieName)!;
    assert.ok(token && token !== planted, 'a new session id');
    assert.equal(await sessionExists(planted), false, 'the planted session is gone');
    const me = (await customers()).find((c) => c.email === 'signin@example.jp')!;
    assert.deepEqual(merges, [[hashToken('guest-cart-token'), me.id]]);
    const account = await client.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.text, /signin@example\.jp/);
    assert.match(account.text, /href="\/account\/orders"/);
    assert.match(account.text, /href="\/account\/addresses"/);

    const out = await client.postForm('/account/sign-out', {});
    assert.equal(out.status, 303);
    assert.equal(client.cookie(cookieName), undefined, 'the cookie is cleared');
    assert.equal(await sessionExists(token), false, 'the session is deleted server-side');
    const replay = new TestClient(store.url);
    replay.setCookie(cookieName, token);
    const again = await replay.get('/account');
    assert.equal(again.status, 303);
    assert.equal(again.location, '/account/sign-in?next=%2Faccount');
  });

  test('next= returns to a same-site path only (open redirect)', async () => {
    const form = await new TestClient(store.url).get('/account/sign-in?next=//evil.example');
    assert.match(form.text, /name="next" value="\/account"/);
    const evil = await new TestClient(store.url).postForm('/account/sign-in', { email: 'signin@example.jp', password, next: '//evil.example' });
    assert.equal(evil.location, '/account');
    const backslash = await new TestClient(store.url).postForm('/account/sign-in', { email: 'signin@example.jp', password, next: '/\\evil.example' });
    assert.equal(backslash.location, '/account');
    const cart = await new TestClient(store.url).postForm('/account/sign-in', { email: 'signin@example.jp', password, next: '/cart' });
    assert.equal(cart.location, '/cart');
  });

  test('a post without a session or from another site is refused', async () => {
    assert.equal((await new TestClient(store.url).postForm('/account/addresses', {})).status, 401);
    const { client } = await customerClient(store);
    assert.equal((await client.postForm('/account/sign-out', {}, { origin: 'https://evil.example' })).status, 403);
  });
});

describe('address book', () => {
  const address = { name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '１５０－０００１', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '03-1234-5678' };

  test('add, edit, set default, delete; only ever your own', async () => {
    const { client, customerId } = await customerClient(store);
    const { client: other } = await customerClient(store);
    const { db } = store.ctx;
    const mine = async () => Promise.all((await db.selectFrom('customer_address').selectAll().where('customer_id', '=', customerId).orderBy('id').execute()).map((r) => decryptAddress(store.ctx.vault, r)));

    const bad = await client.postForm('/account/addresses', { ...address, postal_code: '12', prefecture: '' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="postal_code-error">郵便番号は7桁/);
    assert.match(bad.text, /id="prefecture-error">都道府県を選んでください。/);
    assert.equal((await mine()).length, 0);

    assert.equal((await client.postForm('/account/addresses', address)).location, '/account/addresses?done=added');
    assert.equal((await client.postForm('/account/addresses', { ...address, name: '山田 太郎', city: '大阪市北区', prefecture: '大阪府', postal_code: '530-0001', is_default: 'on' })).status, 303);
    let rows = await mine();
    assert.equal(rows[0]?.postal_code, '150-0001');
    assert.deepEqual(rows.map((r) => r.is_default), [false, true], 'the new default replaces the old one');
    const [first, second] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const list = await client.get('/account/addresses?done=added');
    assert.match(list.text, /住所を追加しました。/);
    assert.ok(list.text.indexOf('山田 太郎') < list.text.indexOf('山田 花子'), 'default first');

    const edit = await client.get(`/account/addresses/${first.id}/edit`);
    assert.match(edit.text, /value="神宮前1-2-3"/);
    assert.equal((await client.postForm(`/account/addresses/${first.id}`, { ...address, line1: '神宮前9-9-9' })).status, 303);
    assert.equal((await client.postForm(`/account/addresses/${first.id}/default`, {})).status, 303);
    rows = await mine();
    assert.equal(rows[0]?.line1, '神宮前9-9-9');
    assert.deepEqual(rows.map((r) => r.is_default), [true, false]);

    // Another customer: every route answers 404 and nothing changes.
    assert.equal((await other.get(`/account/addresses/${first.id}/edit`)).status, 404);
    assert.equal((await other.postForm(`/account/addresses/${first.id}`, { ...address, line1: 'hacked' })).status, 404);
    assert.equal((await other.postForm(`/account/addresses/${first.id}`, { ...address, phone: 'bad' })).status, 404);
    assert.equal((await other.postForm(`/account/addresses/${first.id}/default`, {})).status, 404);
    assert.equal((await other.postForm(`/account/addresses/${first.id}/delete`, {})).status, 404);
    assert.equal((await client.get('/account/addresses/abc/edit')).status, 404);
    assert.deepEqual(await mine(), rows);
    assert.doesNotMatch((await other.get('/account/addresses')).text, /神宮前/);

    assert.equal((await client.postForm(`/account/addresses/${first.id}/delete`, {})).status, 303);
    rows = await mine();
    assert.deepEqual(rows.map((r) => [r.id, r.is_default]), [[second.id, true]], 'the remaining address becomes the default');
    assert.deepEqual((await store.services.identity.listAddresses(customerId)).map((a) => a.id), [second.id]);
  });

  test('signed out: the address book asks for sign-in', async () => {
    const res = await new TestClient(store.url).get('/account/addresses');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/account/sign-in?next=%2Faccount%2Faddresses');
  });
});
