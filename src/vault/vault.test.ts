import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { normalizeEmail, normalizeName, normalizePhone } from './blind-index.ts';
import { isCiphertext } from './envelope.ts';
import { VaultError } from './errors.ts';
import { openVault } from './open.ts';
import { EnvKeyProvider } from './providers/local.ts';
import { openTestDatabase } from './test-support.ts';
import { Vault } from './vault.ts';

const t = await openTestDatabase();
const fileConfig = { keyProvider: 'file' as const, masterKeyFile: path.join(t.dataDir, 'keys', 'master.key'), dataDir: t.dataDir, databaseUrl: t.url, vaultAddr: undefined, vaultTransitKey: 'omamori', vaultTransitMount: 'transit' };
const vault = await openVault(fileConfig, t.handle);
after(async () => {
  await vault.close();
  await t.close();
});

const isCode = (code: VaultError['code']) => (e: unknown) => e instanceof VaultError && e.code === code;

test('round trip: text, Japanese, empty, nullable, rows', async () => {
  for (const s of ['yamada@example.jp', '山田 太郎', 'ヤマダ タロウ', '', '〒150-0001 東京都渋谷区神宮前1-2-3 ', '😀'.repeat(100)]) {
    const field = { table: 'customer', column: 'name', rowId: 7 };
    const ct = await vault.encrypt(field, s);
    assert.ok(isCiphertext(ct), ct);
    assert.ok(!ct.includes(s) || s === '');
    assert.equal(await vault.decrypt(field, ct), s);
  }
  assert.equal(await vault.encryptNullable({ table: 'customer', column: 'phone', rowId: 1 }, null), null);
  assert.equal(await vault.decryptNullable({ table: 'customer', column: 'phone', rowId: 1 }, null), null);
  const enc = await vault.encryptRow('customer', 3, { email: 'a@b.jp', phone: null, name: '佐藤' });
  assert.equal(enc.phone, null);
  assert.deepEqual(await vault.decryptRow('customer', 3, enc), { email: 'a@b.jp', phone: null, name: '佐藤' });
  const rows = await vault.decryptRows('customer', [{ id: 3, ...enc, locale: 'ja' }], ['email', 'name'], (r) => r.id);
  assert.deepEqual(rows, [{ id: 3, email: 'a@b.jp', phone: null, name: '佐藤', locale: 'ja' }]);
});

test('format: v1.<keyId>.<iv>.<ciphertext+tag>, a fresh IV every time', async () => {
  const field = { table: 'customer', column: 'email', rowId: 1 };
  const a = await vault.encrypt(field, 'same');
  const b = await vault.encrypt(field, 'same');
  assert.notEqual(a, b);
  const [v, keyId, iv, body] = a.split('.');
  assert.equal(v, 'v1');
  assert.match(keyId!, /^\d+$/);
  assert.equal(Buffer.from(iv!, 'base64url').length, 12);
  assert.equal(Buffer.from(body!, 'base64url').length, 4 + 16);
  assert.notEqual(iv, b.split('.')[2]);
});

test('associated data: a value moved to another row, column or table does not decrypt', async () => {
  const ct = await vault.encrypt({ table: 'customer', column: 'email', rowId: 1 }, 'victim@example.jp');
  await assert.rejects(vault.decrypt({ table: 'customer', column: 'email', rowId: 2 }, ct), isCode('tampered'));
  await assert.rejects(vault.decrypt({ table: 'customer', column: 'phone', rowId: 1 }, ct), isCode('tampered'));
  await assert.rejects(vault.decrypt({ table: 'orders', column: 'email', rowId: 1 }, ct), isCode('tampered'));
  // '1' and 1 are the same row id; '01' is not
  assert.equal(await vault.decrypt({ table: 'customer', column: 'email', rowId: '1' }, ct), 'victim@example.jp');
  await assert.rejects(vault.decrypt({ table: 'customer', column: 'email', rowId: '01' }, ct), isCode('tampered'));
});

test('tamper detection: any flipped byte, truncation, or a changed key id is an error without the plain text', async () => {
  const field = { table: 'customer', column: 'email', rowId: 9 };
  const ct = await vault.encrypt(field, 'secret-value@example.jp');
  const [v, keyId, iv, body] = ct.split('.') as [string, string, string, string];
  const raw = Buffer.from(body, 'base64url');
  for (let i = 0; i < raw.length; i++) {
    const bad = Buffer.from(raw);
    bad[i]! ^= 0x01;
    await assert.rejects(vault.decrypt(field, `${v}.${keyId}.${iv}.${bad.toString('base64url')}`), (e: unknown) => isCode('tampered')(e) && !(e as Error).message.includes('secret-value'));
  }
  const badIv = Buffer.from(iv, 'base64url');
  badIv[0]! ^= 0x80;
  await assert.rejects(vault.decrypt(field, `${v}.${keyId}.${badIv.toString('base64url')}.${body}`), isCode('tampered'));
  await assert.rejects(vault.decrypt(field, `${v}.${keyId}.${iv}.${raw.subarray(0, raw.length - 1).toString('base64url')}`), isCode('tampered'));
  await assert.rejects(vault.decrypt(field, 'secret-value@example.jp'), (e: unknown) => isCode('tampered')(e) && !(e as Error).message.includes('secret-value'));
  await assert.rejects(vault.decrypt(field, `v1.99999.${iv}.${body}`), isCode('unknown_key'));
  const indexKeyId = (await t.handle.db.selectFrom('vault_key').select('id').where('scope', '=', '_index').executeTakeFirstOrThrow()).id;
  await assert.rejects(vault.decrypt(field, `v1.${indexKeyId}.${iv}.${body}`), isCode('tampered'));
});

test('the database holds wrapped keys and a check value only; the key file lives outside it', async () => {
  const keys = await t.handle.db.selectFrom('vault_key').selectAll().execute();
  assert.ok(keys.length >= 2);
  const keks = await t.handle.db.selectFrom('vault_kek').selectAll().execute();
  assert.equal(keks.length, 1);
  assert.match(keks[0]!.id, /^mk-[0-9a-f]{16}$/);
});

test('wrong master key: a clear error at start, nothing written', async () => {
  const before = await t.handle.db.selectFrom('vault_key').selectAll().execute();
  const wrong = new EnvKeyProvider({ OMAMORI_MASTER_KEY: randomBytes(32).toString('base64') });
  await assert.rejects(Vault.open({ db: t.handle.db, provider: wrong }), (e: unknown) => isCode('wrong_key')(e) && /wrong or missing master key/.test((e as Error).message) && /Nothing was changed/.test((e as Error).message));
  assert.deepEqual(await t.handle.db.selectFrom('vault_key').selectAll().execute(), before);
  assert.equal((await t.handle.db.selectFrom('vault_kek').selectAll().execute()).length, 1);
});

test('missing key file beside a database with keys: a clear error, no new key made', async () => {
  const moved = { ...fileConfig, masterKeyFile: path.join(t.dataDir, 'elsewhere', 'master.key') };
  await assert.rejects(openVault(moved, t.handle), (e: unknown) => isCode('missing_key')(e) && /restore the key file/.test((e as Error).message));
  rmSync(path.join(t.dataDir, 'elsewhere'), { recursive: true, force: true });
});

test('same master key, second instance: opens and reads what the first wrote', async () => {
  const ct = await vault.encrypt({ table: 'customer', column: 'email', rowId: 5 }, 'x@y.jp');
  const other = await openVault(fileConfig, t.handle);
  assert.equal(await other.decrypt({ table: 'customer', column: 'email', rowId: 5 }, ct), 'x@y.jp');
  assert.equal(other.emailIndex('X@Y.JP'), vault.emailIndex('x@y.jp'));
  await other.close();
});

test('wrong key with a matching id (KMS-style): the check value catches it', async () => {
  const row = await t.handle.db.selectFrom('vault_kek').selectAll().executeTakeFirstOrThrow();
  const fake = {
    kind: 'fake',
    currentKekId: async () => row.id,
    availableKekIds: async () => [row.id],
    wrap: async () => ({ kekId: row.id, wrapped: 'x' }),
    unwrap: async () => {
      throw new VaultError('wrong_key', 'does not unwrap');
    },
    rotate: async () => row.id,
    retire: async () => undefined,
  };
  await assert.rejects(Vault.open({ db: t.handle.db, provider: fake }), (e: unknown) => isCode('wrong_key')(e) && /check value/.test((e as Error).message));
});

test('blind indexes: normalized, stable, separated by index, 64-bit hex', async () => {
  assert.equal(normalizeEmail('  Ｙａｍａｄａ＠Ｅｘａｍｐｌｅ．ＪＰ '), 'yamada@example.jp');
  assert.equal(normalizePhone('０９０－１２３４－５６７８'), '09012345678');
  assert.equal(normalizePhone('(03) 1234 5678'), '0312345678');
  assert.equal(normalizeName('ヤマダ　タロウ'), 'やまだたろう');
  const a = vault.emailIndex('Yamada@Example.jp');
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(vault.emailIndex('ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ'), a);
  assert.equal(vault.emailIndex(' YAMADA@EXAMPLE.JP'), a);
  assert.notEqual(vault.emailIndex('yamada2@example.jp'), a);
  assert.equal(vault.phoneIndex('090-1234-5678'), vault.phoneIndex('０９０ １２３４ ５６７８'));
  assert.notEqual(vault.blindIndex('phone', '09012345678'), vault.blindIndex('email', '09012345678'));
  // stable across instances (the root key is stored wrapped in the database)
  const again = await openVault(fileConfig, t.handle);
  assert.equal(again.emailIndex('yamada@example.jp'), a);
  await again.close();
  // name prefix: family name's first 1 and 2 characters; kana folds katakana/hiragana and width
  const tokens = vault.namePrefixTokens('佐藤 花子');
  assert.equal(tokens.length, 2);
  assert.equal(vault.namePrefixQuery('佐'), tokens[0]);
  assert.equal(vault.namePrefixQuery('佐藤'), tokens[1]);
  assert.equal(vault.namePrefixQuery('佐藤花'), tokens[1]);
  assert.ok(!vault.namePrefixTokens('鈴木 一郎').includes(tokens[0]!));
  assert.deepEqual(vault.namePrefixTokens('サトウ ハナコ', 'kana'), vault.namePrefixTokens('さとう はなこ', 'kana'));
  assert.equal(vault.namePrefixQuery('ｻﾄ', 'kana'), vault.namePrefixTokens('サトウ', 'kana')[1]);
  assert.notEqual(vault.namePrefixQuery('さ', 'kana'), vault.namePrefixQuery('さ', 'name'));
  assert.equal(vault.namePrefixQuery(''), null);
});

test('nextRowId: encrypt before the insert, with the id the row will have', async () => {
  const { sql } = await import('kysely');
  await sql`create table vault_serial_test (id serial primary key, email text not null)`.execute(t.handle.db);
  const id = await vault.nextRowId(t.handle.db, 'vault_serial_test');
  const ct = await vault.encrypt({ table: 'vault_serial_test', column: 'email', rowId: id }, 'new@example.jp');
  await sql`insert into vault_serial_test (id, email) values (${id}, ${ct})`.execute(t.handle.db);
  const next = await vault.nextRowId(t.handle.db, 'vault_serial_test');
  assert.equal(next, id + 1);
  const row = (await sql<{ id: number; email: string }>`select id, email from vault_serial_test`.execute(t.handle.db)).rows[0]!;
  assert.equal(await vault.decrypt({ table: 'vault_serial_test', column: 'email', rowId: row.id }, row.email), 'new@example.jp');
});
