import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInput } from '../platform/http/forms.ts';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { hashPassword, needsRehash, newPasswordField, parseAccountInput, passwordLength, passwordProblem, verifyPassword, verifyWithoutAccount } from './passwords.ts';

test('hashes with argon2id and the OWASP parameters, salted', async () => {
  const a = await hashPassword('correct horse battery staple');
  const b = await hashPassword('correct horse battery staple');
  assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(a, b);
  assert.equal(needsRehash(a), false);
});

test('verifies the right password, refuses a wrong one and garbage hashes', async () => {
  const h = await hashPassword('correct horse battery staple');
  assert.equal(await verifyPassword(h, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(h, 'correct horse battery stapler'), false);
  assert.equal(await verifyPassword(h, ''), false);
  assert.equal(await verifyPassword('not-a-hash', 'x'), false);
  assert.equal(await verifyWithoutAccount('anything'), false);
});

test('full-width input typed with the IME matches its half-width form; spaces are kept', async () => {
  const h = await hashPassword('password 1234');
  assert.equal(await verifyPassword(h, 'ｐａｓｓｗｏｒｄ　１２３４'), true);
  assert.equal(await verifyPassword(h, 'password 1234 '), false);
});

test('weaker parameters are flagged for rehash', () => {
  assert.equal(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$6s7dXNYN0QJ6Q5dNB1M2aLxZ/5R35h8rKkO2Lwl3N0o'), true);
  assert.equal(needsRehash('not-a-hash'), true);
});

test('length rules: customers 8–128, staff 12–128, no composition rules, localized', () => {
  const customer = z.object({ password: newPasswordField('customer') });
  const staff = z.object({ password: newPasswordField('staff') });
  assert.equal(parseInput(customer, { password: 'mikan&neko' }, 'ja').ok, true);
  assert.equal(parseInput(customer, { password: 'x'.repeat(129) }, 'ja').ok, false);
  const short = parseInput(customer, { password: 'abcdefg' }, 'ja');
  assert.deepEqual(short.ok ? null : short.errors, { password: 'パスワードは8文字以上128文字以内で入力してください。' });
  const staffShort = parseInput(staff, { password: 'abcdefghijk' }, 'en');
  assert.deepEqual(staffShort.ok ? null : staffShort.errors, { password: 'Passwords must be 12 to 128 characters long.' });
  assert.equal(parseInput(staff, { password: 'hoshi-zora-7' }, 'en').ok, true);
});

const corpus = readFileSync(new URL('../../test/fixtures/passwords/common-passwords-10k.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);

test('every one of the 10,000 most common passwords that meets the length rule is refused (customers and staff)', () => {
  assert.equal(corpus.length, 10_000);
  const checked = { customer: 0, staff: 0 };
  for (const kind of ['customer', 'staff'] as const) {
    for (const p of corpus) {
      if ([...p.normalize('NFKC')].length < passwordLength[kind].min) continue;
      checked[kind] += 1;
      assert.equal(passwordProblem(p, kind), 'password_common', `${kind}: ${p}`);
      // Case and full-width variants of a listed password are the same password.
      assert.equal(passwordProblem(p.toUpperCase(), kind) !== null, true, `${kind}: ${p.toUpperCase()}`);
    }
  }
  assert.ok(checked.customer === 2086 && checked.staff === 10, JSON.stringify(checked));
});

test('good passphrases are accepted; guessable ones and ones built from the e-mail or name are refused', () => {
  for (const p of ['sakura mochi to ocha', 'kissaten-no-mame', 'neko-ga-nemui-hi', 'tonkatsu-ramen-2', 'kaeru no uta 9', 'yuzu tea kuma', '雨の日の紫陽花と蝸牛の歌', 'correct horse battery staple']) {
    assert.equal(passwordProblem(p, 'customer'), null, p);
    assert.equal(passwordProblem(p, 'staff'), null, p);
  }
  for (const p of ['password1234', 'qwertyuiop12', 'aaaaaaaaaaaa', '1234567890123', 'abcdefghijkl', 'iloveyou2024', 'ＰＡＳＳＷＯＲＤ１２３']) assert.equal(passwordProblem(p, 'customer'), 'password_common', p);
  assert.equal(passwordProblem('hanako1985x', 'customer'), null);
  assert.equal(passwordProblem('hanako1985x', 'customer', ['hanako@example.jp', '山田 花子']), 'password_common');
});

test('a refused password gets a clear, localized message next to the field', () => {
  const schema = z.object({ password: newPasswordField('customer') });
  const ja = parseAccountInput(schema, { password: 'password1234' }, 'ja');
  assert.match(ja.ok ? '' : ja.errors.password!, /よく使われているか過去に流出したもの/);
  const en = parseAccountInput(schema, { password: 'password1234' }, 'en');
  assert.match(en.ok ? '' : en.errors.password!, /too common, has appeared in a data breach/);
  const short = parseAccountInput(schema, { password: 'pass' }, 'en');
  assert.equal(short.ok ? '' : short.errors.password, 'Passwords must be 8 to 128 characters long.');
});

test('hashing runs on the thread pool: the event loop keeps ticking during argon2', async () => {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 1);
  await Promise.all([hashPassword('sakura mochi to ocha'), hashPassword('kissaten-no-mame')]);
  clearInterval(timer);
  assert.ok(ticks >= 3, `event loop ticked ${ticks} times during hashing`);
});
