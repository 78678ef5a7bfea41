import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInput } from '../platform/http/forms.ts';
import { z } from 'zod';
import { hashPassword, needsRehash, newPasswordField, verifyPassword, verifyWithoutAccount } from './passwords.ts';

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
  assert.equal(parseInput(customer, { password: 'abcdefgh' }, 'ja').ok, true);
  assert.equal(parseInput(customer, { password: 'x'.repeat(129) }, 'ja').ok, false);
  const short = parseInput(customer, { password: 'abcdefg' }, 'ja');
  assert.deepEqual(short.ok ? null : short.errors, { password: 'パスワードは8文字以上128文字以内で入力してください。' });
  const staffShort = parseInput(staff, { password: 'abcdefghijk' }, 'en');
  assert.deepEqual(staffShort.ok ? null : staffShort.errors, { password: 'Passwords must be 12 to 128 characters long.' });
  assert.equal(parseInput(staff, { password: 'abcdefghijkl' }, 'en').ok, true);
});
