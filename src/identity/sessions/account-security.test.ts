import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { notifyTwoFactorChanged } from '../notifications.ts';
import { insertCustomerRecord } from '../customers/customer-data.ts';
import { hashPassword } from '../passwords.ts';
import { createSession } from './sessions.ts';

let store: TestStore;
let passwordHash: string;
const password = 'sakura mochi to ocha';
let ipSeq = 0;

before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
  passwordHash = await hashPassword(password);
});
after(() => store.close());

const browser = (ip = `10.30.0.${++ipSeq}`, ua = 'Mozilla/5.0 (test browser)') => new TestClient(store.url, { 'x-forwarded-for': ip, 'user-agent': ua });
const addCustomer = async (email: string) => insertCustomerRecord(store.ctx, { email, name: '山田 花子', password_hash: passwordHash, locale: 'ja' });
const kinds = async (to: string) => (await mailsTo(store, to)).map((m) => m.kind);
const signedIn = async (email: string, client = browser()) => {
  const res = await client.postForm('/account/sign-in', { email, password });
  assert.equal(res.status, 303);
  return client;
};

describe('sign-in from a new device', () => {
  test('the first device is not reported; another device is; a known device is not again', async () => {
    await addCustomer('device@example.jp');
    const home = await signedIn('device@example.jp');
    assert.deepEqual(await kinds('device@example.jp'), [], 'first sign-in after registering: no notice');
    await signedIn('device@example.jp', home);
    assert.deepEqual(await kinds('device@example.jp'), [], 'same browser (device cookie): no notice');
    await signedIn('device@example.jp', browser('203.0.113.9', 'Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Your card was refused: pay again at http://evil.example/pay'));
    assert.deepEqual(await kinds('device@example.jp'), ['identity.new_device']);
    const [mail] = await mailsTo(store, 'device@example.jp');
    assert.ok(mail);
    assert.match(mail.subject, /新しい端末からのログイン/);
    assert.match(mail.text_body, /203\.0\.113\.9/);
    // T4: the browser is named from a fixed list; the User-Agent's free text never reaches the mail.
    assert.match(mail.text_body, /Chrome \/ Windows/);
    assert.doesNotMatch(mail.text_body, /evil\.example|refused/);
    assert.match(mail.text_body, /\/account\/password\/forgot/, 'says what to do if it was not them');
    const rows = await store.ctx.db.selectFrom('customer_device').select('device_hash').execute();
    for (const r of rows) assert.match(r.device_hash, /^[0-9a-f]{64}$/, 'only hashes are stored');
  });

  test('API clients are recognized by IP + User-Agent', async () => {
    await addCustomer('api-device@example.jp');
    const api = (ip: string, ua: string) => new TestClient(store.url, { 'x-forwarded-for': ip, 'user-agent': ua }).json('POST', '/api/store/sessions', { email: 'api-device@example.jp', password });
    assert.equal((await api('192.0.2.10', 'app/1.0')).status, 200);
    assert.equal((await api('192.0.2.10', 'app/1.0')).status, 200);
    assert.deepEqual(await kinds('api-device@example.jp'), []);
    assert.equal((await api('192.0.2.11', 'app/1.0')).status, 200);
    assert.deepEqual(await kinds('api-device@example.jp'), ['identity.new_device']);
  });
});

describe('change password', () => {
  test('needs the current password; ends the other sessions, keeps this one; mails the customer; the policy applies', async () => {
    const id = await addCustomer('change-pw@example.jp');
    const other = await createSession(store.ctx.db, 'store', { customerId: id });
    const client = await signedIn('change-pw@example.jp');
    assert.match((await client.get('/account')).text, /href="\/account\/password"/);
    assert.equal((await client.get('/account/password')).status, 200);

    const wrong = await client.postForm('/account/password', { current_password: 'not my password', new_password: 'new moon over the tea field' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /現在のパスワードが正しくありません。/);
    const weak = await client.postForm('/account/password', { current_password: password, new_password: 'iloveyou2024' });
    assert.equal(weak.status, 422);
    assert.match(weak.text, /よく使われているか過去に流出したもの/);

    const ok = await client.postForm('/account/password', { current_password: password, new_password: 'new moon over the tea field' });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/account?done=password');
    const sessions = (await store.ctx.db.selectFrom('session').select('id_hash').where('customer_id', '=', id).execute()).map((r) => r.id_hash);
    assert.equal(sessions.length, 1, 'only this session is left');
    assert.ok(!sessions.includes(hashToken(other)));
    assert.match((await client.get('/account?done=password')).text, /パスワードを変更しました。/);
    assert.ok((await kinds('change-pw@example.jp')).includes('identity.password_changed'));
    assert.equal((await browser().postForm('/account/sign-in', { email: 'change-pw@example.jp', password: 'new moon over the tea field' })).status, 303);
  });

  test('guessing the current password through the change form is throttled like sign-in', async () => {
    await addCustomer('guess-pw@example.jp');
    const client = await signedIn('guess-pw@example.jp');
    for (let i = 0; i < 5; i++) assert.equal((await client.postForm('/account/password', { current_password: `guess ${i} guess`, new_password: 'new moon over the tea field' })).status, 422);
    const res = await client.postForm('/account/password', { current_password: password, new_password: 'new moon over the tea field' });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
  });
});

describe('change e-mail address', () => {
  test('needs the current password; both the old and the new address are told; a taken address is refused', async () => {
    await addCustomer('old@example.jp');
    await addCustomer('taken-by-other@example.jp');
    const client = await signedIn('old@example.jp');
    assert.equal((await client.get('/account/email')).status, 200);
    const wrong = await client.postForm('/account/email', { email: 'new@example.jp', current_password: 'not my password' });
    assert.equal(wrong.status, 422);
    const taken = await client.postForm('/account/email', { email: 'taken-by-other@example.jp', current_password: password });
    assert.equal(taken.status, 422);
    assert.match(taken.text, /このメールアドレスは使えません/);
    const ok = await client.postForm('/account/email', { email: 'New@Example.jp', current_password: password });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/account?done=email');
    assert.deepEqual(await kinds('old@example.jp'), ['identity.email_changed']);
    assert.deepEqual(await kinds('new@example.jp'), ['identity.email_changed']);
    assert.match((await client.get('/account')).text, /new@example\.jp/);
  });
});

describe('address book changes', () => {
  test('adding, editing and deleting an address each mail the customer', async () => {
    await addCustomer('addr@example.jp');
    const client = await signedIn('addr@example.jp');
    const address = { name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '03-1234-5678' };
    assert.equal((await client.postForm('/account/addresses', address)).status, 303);
    const [row] = await store.ctx.db.selectFrom('customer_address').select('id').execute();
    assert.equal((await client.postForm(`/account/addresses/${row!.id}`, { ...address, line1: '神宮前9-9-9' })).status, 303);
    assert.equal((await client.postForm(`/account/addresses/${row!.id}/delete`, {})).status, 303);
    assert.deepEqual(await kinds('addr@example.jp'), ['identity.address_changed', 'identity.address_changed', 'identity.address_changed']);
    const bodies = (await mailsTo(store, 'addr@example.jp')).map((m) => m.text_body);
    assert.match(bodies[0]!, /住所が追加されました/);
    assert.match(bodies[1]!, /住所が変更されました/);
    assert.match(bodies[2]!, /住所が削除されました/);
  });
});

test('2FA changes: the function the 2FA work calls mails the staff member in Japanese and English', async () => {
  const staff = await store.ctx.db.insertInto('staff').values({ email: 'totp-staff@example.jp', name: 'スタッフ', password_hash: 'x', role: 'owner' }).returning('id').executeTakeFirstOrThrow();
  await notifyTwoFactorChanged(store.ctx.db, { staffId: staff.id }, 'disabled', { ip: '192.0.2.1', userAgent: 'ua' }, { shopName: 'テスト店', publicUrl: store.url });
  const [mail] = await mailsTo(store, 'totp-staff@example.jp');
  assert.ok(mail);
  assert.equal(mail.kind, 'identity.2fa_changed');
  assert.match(mail.text_body, /2段階認証が無効になりました/);
  assert.match(mail.text_body, /two-step verification was turned off/);
  assert.match(mail.text_body, /オーナーに連絡/);
});

test('mails never repeat free text a stranger can type: a name with a link is not in the welcome mail (T4: phishing)', async () => {
  const name = '【重要】カードが停止されました http://evil.example/verify から再登録';
  const res = await browser().postForm('/account/register', { name, email: 'phish-target@example.jp', password: 'kuromitsu kinako dango', agree_terms: 'on' });
  assert.equal(res.status, 303);
  const [mail] = await mailsTo(store, 'phish-target@example.jp');
  assert.ok(mail);
  assert.doesNotMatch(mail.text_body + mail.subject, /evil\.example|カードが停止/);
  assert.match(mail.text_body, /お客さまへ/);
});
