import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { TestClient } from '../../../test/client.ts';
import { createTestDatabase, startTestStore, testDbKind, type TestStore } from '../../../test/harness.ts';
import { loadConfig } from '../../platform/config.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { openVault } from '../../vault/index.ts';
import { mailsTo } from '../../../test/outbox.ts';
import { staffClient } from '../../../test/sessions.ts';
import { isCiphertext, rotateDek } from '../../vault/index.ts';
import { encryptedTables } from '../../app/encrypted-tables.ts';
import { searchCustomers } from './admin-customers.ts';
import { authenticateCustomer } from './customers.ts';
import { addressColumns, customerColumns, insertAddressRecord, insertCustomerRecord } from './customer-data.ts';
import { hashPassword } from '../passwords.ts';

/**
 * Issue 5 (T1): customer and customer_address hold vault ciphertexts; lookups go through blind indexes; readers
 * decrypt. Checked on the raw rows, through the pages and the API, after an upgrade from plain rows, and after a
 * DEK rotation.
 */
let store: TestStore;
let ipSeq = 0;
const password = 'kissaten-no-mame';
const browser = () => new TestClient(store.url, { 'x-forwarded-for': `10.55.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}` });

before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
});
after(() => store.close());

/** Every stored value of the table as text (what a stolen dump of these rows holds). */
async function rawText(table: 'customer' | 'customer_address'): Promise<string> {
  const rows = await sql<{ r: string }>`select row_to_json(t)::text as r from ${sql.table(table)} t`.execute(store.ctx.db);
  return rows.rows.map((x) => x.r).join('\n');
}

async function assertEncrypted(table: 'customer' | 'customer_address', columns: readonly string[], db = store.ctx.db) {
  const rows = await db.selectFrom(table).selectAll().execute();
  assert.ok(rows.length > 0);
  for (const row of rows) {
    for (const c of columns) {
      const v = (row as Record<string, unknown>)[c] as string;
      assert.ok(isCiphertext(v), `${table}.${c} of row ${row.id} is a ciphertext`);
    }
  }
}

describe('customer data is stored encrypted and read back decrypted', () => {
  const person = { name: '暗号 花子', name_kana: 'アンゴウ ハナコ', email: 'secret-hanako@example.jp', phone: '090-5555-0101' };
  const address = { name: '暗号 花子', name_kana: 'アンゴウ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '秘密区', line1: '暗号町3-2-1', line2: 'ひみつビル101', phone: '03-5555-0102' };
  const needles = ['secret-hanako', '暗号 花子', '暗号', 'アンゴウ', '09055550101', '090-5555-0101', '0355550102', '03-5555-0102', '秘密区', '暗号町', 'ひみつビル', '1500001', '150-0001'];

  test('registration, duplicate registration, sign-in, address book: no plain name, e-mail, phone or address in the rows', async () => {
    const first = await browser().postForm('/account/register', { ...person, password, agree_terms: 'on' });
    assert.equal(first.status, 303);
    // The duplicate check works on the blind index (case and full-width folded), and answers the same.
    const again = await browser().postForm('/account/register', { ...person, email: 'ＳＥＣＲＥＴ-hanako@EXAMPLE.jp', password: 'someone-else-entirely', agree_terms: 'on' });
    assert.equal(again.status, 303);
    assert.equal(again.location, first.location);
    assert.equal((await store.ctx.db.selectFrom('customer').select('id').where('email_bidx', '=', store.ctx.vault.emailIndex(person.email)).execute()).length, 1);
    assert.deepEqual((await mailsTo(store, person.email)).map((m) => m.kind), ['identity.welcome', 'identity.register_attempt']);

    const client = browser();
    assert.equal((await client.postForm('/account/sign-in', { email: 'Secret-Hanako@example.jp', password })).status, 303);
    assert.equal((await client.postForm('/account/addresses', address)).status, 303);
    const account = await client.get('/account');
    assert.match(account.text, /secret-hanako@example\.jp/);
    assert.match(account.text, /暗号 花子/);
    const book = await client.get('/account/addresses');
    assert.match(book.text, /暗号町3-2-1/);
    assert.match(book.text, /ひみつビル101/);

    await assertEncrypted('customer', customerColumns);
    await assertEncrypted('customer_address', addressColumns);
    for (const table of ['customer', 'customer_address'] as const) {
      const text = await rawText(table);
      for (const needle of needles) assert.ok(!text.includes(needle), `${table} holds no "${needle}"`);
    }
    assert.match(await rawText('customer_address'), /東京都/, 'the prefecture stays plain (shipping fees)');
  });

  test('the API returns the decrypted profile', async () => {
    const api = new TestClient(store.url, { 'x-forwarded-for': '10.56.0.1' });
    const signIn = await api.json('POST', '/api/store/sessions', { email: person.email, password });
    assert.equal(signIn.status, 200);
    const body = signIn.json() as { token: string; customer: { email: string; name: string } };
    assert.deepEqual([body.customer.email, body.customer.name], [person.email, person.name]);
    const me = await new TestClient(store.url, { authorization: `Bearer ${body.token}` }).get('/api/store/customers/me');
    assert.equal(me.status, 200);
    assert.equal((me.json() as { phone: string }).phone, '09055550101');
  });

  test('password reset finds the account by its blind index; the queued job holds no address', async () => {
    assert.equal((await browser().postForm('/account/password/forgot', { email: 'SECRET-HANAKO@example.jp' })).status, 303);
    const jobs = await sql<{ r: string }>`select row_to_json(j)::text as r from job j`.execute(store.ctx.db);
    assert.ok(jobs.rows.every((j) => !j.r.toLowerCase().includes('secret-hanako')));
    await store.drainJobs();
    const [mail] = await mailsTo(store, person.email, 'identity.password_reset');
    assert.ok(mail, 'the reset link is mailed to the decrypted address');
    const token = /token=([\w-]{43})/.exec(mail.text_body)![1]!;
    assert.equal((await browser().postForm('/account/password/reset', { token, password: 'a brand new tea ceremony' })).status, 303);
    assert.equal((await browser().postForm('/account/sign-in', { email: person.email, password: 'a brand new tea ceremony' })).status, 303);
  });
});

describe('admin search by blind index', () => {
  const ids: Record<string, number> = {};
  before(async () => {
    const add = async (key: string, v: { email: string; name: string; name_kana: string; phone: string }) => (ids[key] = await insertCustomerRecord(store.ctx, { ...v, password_hash: 'x' }));
    await add('sato', { email: 'ichiro.sato@example.jp', name: '佐藤 一郎', name_kana: 'サトウ イチロウ', phone: '09011112222' });
    await add('sasaki', { email: 'jiro@example.jp', name: '佐々木 次郎', name_kana: 'ササキ ジロウ', phone: '' });
    await add('suzuki', { email: 'saburo@example.jp', name: '鈴木 三郎', name_kana: 'スズキ サブロウ', phone: '' });
    await insertAddressRecord(store.ctx, ids.suzuki!, { name: '鈴木 三郎', postal_code: '5300001', prefecture: '大阪府', city: '大阪市北区', line1: '梅田1-1', phone: '06-7777-8888' });
  });
  const found = async (q: string) => (await searchCustomers(store.ctx, { q, page: 1 })).customers.map((c) => c.name).filter((n) => /佐藤|佐々木|鈴木/.test(n)).sort();

  test('exact e-mail (any case), never a part of one', async () => {
    assert.deepEqual(await found('ICHIRO.SATO@example.jp'), ['佐藤 一郎']);
    assert.deepEqual(await found('ichiro.sato@'), []);
    assert.deepEqual(await found('sato@example.jp'), []);
  });

  test('exact phone, written any way, the customer\'s or a saved address\'s', async () => {
    assert.deepEqual(await found('090-1111-2222'), ['佐藤 一郎']);
    assert.deepEqual(await found('０９０ １１１１ ２２２２'), ['佐藤 一郎']);
    assert.deepEqual(await found('06-7777-8888'), ['鈴木 三郎']);
    assert.deepEqual(await found('0901111'), [], 'no partial phone number');
  });

  test('family-name and kana prefix; longer prefixes narrow the candidates', async () => {
    assert.deepEqual(await found('佐'), ['佐々木 次郎', '佐藤 一郎']);
    assert.deepEqual(await found('佐藤'), ['佐藤 一郎']);
    assert.deepEqual(await found('さと'), ['佐藤 一郎'], 'hiragana finds the katakana reading');
    assert.deepEqual(await found('ササキ ジ'), ['佐々木 次郎']);
    assert.deepEqual(await found('佐藤 一'), ['佐藤 一郎']);
    assert.deepEqual(await found('佐藤 二'), []);
    assert.deepEqual(await found('一郎'), [], 'given names are not indexed');
  });

  test('the search form says what it can find (ja, en)', async () => {
    const { client } = await staffClient(store, 'owner');
    const ja = await client.get('/admin/customers?q=saburo%40example.jp');
    assert.equal(ja.status, 200);
    assert.match(ja.text, /部分一致では検索できません/);
    assert.match(ja.text, new RegExp(`/admin/customers/${ids.suzuki}`));
    const en = await client.get('/admin/customers?lang=en');
    assert.match(en.text, /partial matches are not possible/);
  });
});

describe('upgrade and key rotation', () => {
  test('plain rows written before 0033 are encrypted and indexed at start, and still work', async () => {
    const old = await startTestStore({ listen: false });
    let upgraded: TestStore | undefined;
    try {
      const { db } = old.ctx;
      // Back to the schema before 0033, with rows as the previous version wrote them.
      await sql`drop index customer_email_bidx_idx`.execute(db);
      await sql`alter table customer drop column email_bidx, drop column phone_bidx, drop column search_tokens`.execute(db);
      await sql`alter table customer_address drop column phone_bidx`.execute(db);
      await sql`create unique index customer_email_idx on customer (email)`.execute(db);
      await sql`delete from schema_migrations where name = '0033_customer_encryption'`.execute(db);
      const hash = await hashPassword(password);
      for (let i = 1; i <= 7; i++) {
        await sql`insert into customer (email, password_hash, name, name_kana, phone) values (${`legacy${i}@example.jp`}, ${hash}, ${`旧姓 ${i}郎`}, ${'キュウセイ'}, ${i % 2 ? `0801234000${i}` : ''})`.execute(db);
      }
      const first = (await sql<{ id: number }>`select id from customer where email = 'legacy1@example.jp'`.execute(db)).rows[0]!.id;
      await sql`insert into customer_address (customer_id, name, name_kana, postal_code, prefecture, city, line1, line2, phone, is_default)
        values (${first}, '旧姓 1郎', '', '1000001', '東京都', '千代田区', '千代田1-1', '', '0312340000', true)`.execute(db);

      upgraded = await startTestStore({ sameDatabaseAs: old, config: { trustProxy: true } });
      await assertEncrypted('customer', ['email', 'name'], db);
      await assertEncrypted('customer_address', ['name', 'city', 'line1', 'phone'], db);
      const raw = (await sql<{ r: string }>`select row_to_json(t)::text as r from customer t`.execute(db)).rows.map((r) => r.r).join('\n') +
        (await sql<{ r: string }>`select row_to_json(t)::text as r from customer_address t`.execute(db)).rows.map((r) => r.r).join('\n');
      for (const needle of ['legacy1@', '旧姓', 'キュウセイ', '08012340001', '千代田', '0312340000']) assert.ok(!raw.includes(needle), `no "${needle}" after the upgrade`);

      const data = upgraded.ctx;
      const signedIn = await authenticateCustomer(data, 'LEGACY3@example.jp', password);
      assert.equal(signedIn?.name, '旧姓 3郎');
      const client = new TestClient(upgraded.url, { 'x-forwarded-for': '10.57.0.1' });
      assert.equal((await client.postForm('/account/sign-in', { email: 'legacy1@example.jp', password })).status, 303);
      assert.match((await client.get('/account/addresses')).text, /千代田1-1/);
      assert.deepEqual((await searchCustomers(data, { q: '080-1234-0005', page: 1 })).customers.map((c) => c.email), ['legacy5@example.jp']);
      assert.equal((await searchCustomers(data, { q: 'きゅう', page: 1 })).customers.length, 7);
      assert.deepEqual((await searchCustomers(data, { q: '03-1234-0000', page: 1 })).customers.map((c) => c.email), ['legacy1@example.jp']);
      // A duplicate of an upgraded address is refused by the unique blind index.
      await assert.rejects(insertCustomerRecord(data, { email: 'Legacy2@example.jp', name: 'x', password_hash: 'x' }));
    } finally {
      await upgraded?.close();
      await old.close();
    }
  });

  test('a DEK rotation of customer (as `omamori keys rotate --dek customer` runs it) keeps sign-in working', async () => {
    const spec = encryptedTables.find((t) => t.table === 'customer');
    assert.ok(spec, 'customer is a registered encrypted table');
    assert.ok(encryptedTables.some((t) => t.table === 'customer_address'));
    const id = await insertCustomerRecord(store.ctx, { email: 'rotate-me@example.jp', name: '回転 太郎', password_hash: await hashPassword(password) });
    const before = (await store.ctx.db.selectFrom('customer').select(['email', 'email_bidx']).where('id', '=', id).executeTakeFirstOrThrow());
    const result = await rotateDek(store.ctx.vault, spec, { batchSize: 3, graceMs: 0 });
    assert.ok(result.rows > 0);
    const after = await store.ctx.db.selectFrom('customer').select(['email', 'email_bidx']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.notEqual(after.email, before.email, 're-encrypted under the new key');
    assert.equal(after.email_bidx, before.email_bidx, 'blind indexes do not depend on the data key');
    assert.equal((await browser().postForm('/account/sign-in', { email: 'rotate-me@example.jp', password })).status, 303);
  });
});

test('`omamori keys rotate --dek customer` and `--dek customer_address`: sign-in and addresses still work', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omamori-customer-keys-'));
  const created = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: created?.url ?? '', LOG_LEVEL: 'silent', OMAMORI_MASTER_KEY: '', MASTER_KEY_PROVIDER: '' };
  const cli = path.resolve(import.meta.dirname, '../../cli/main.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, 'keys', ...args], { env, encoding: 'utf8' });
  // The embedded database admits one process: opened here between the command's runs.
  const withStore = async <T>(fn: (data: { db: Awaited<ReturnType<typeof openDatabase>>['db']; vault: Awaited<ReturnType<typeof openVault>> }) => Promise<T>): Promise<T> => {
    const config = loadConfig(env);
    const handle = await openDatabase(config);
    await migrate(handle);
    const vault = await openVault(config, handle);
    try {
      return await fn({ db: handle.db, vault });
    } finally {
      await vault.close();
      await handle.close();
    }
  };
  try {
    const hash = await hashPassword(password);
    const before = await withStore(async (data) => {
      for (let i = 1; i <= 5; i++) {
        const id = await insertCustomerRecord(data, { email: `cli${i}@example.jp`, name: `鍵 ${i}`, password_hash: hash });
        await insertAddressRecord(data, id, { name: `鍵 ${i}`, postal_code: '1000001', prefecture: '東京都', city: '千代田区', line1: `丸の内${i}`, phone: '0312345678' });
      }
      return (await data.db.selectFrom('customer').select('email').orderBy('id').executeTakeFirstOrThrow()).email;
    });
    for (const table of ['customer', 'customer_address']) {
      const r = run('rotate', '--dek', table, '--batch', '2');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`${table}: every value is under key \\d+`));
    }
    assert.match(run('status').stdout, /customer v1 data retired/);
    await withStore(async (data) => {
      assert.notEqual((await data.db.selectFrom('customer').select('email').orderBy('id').executeTakeFirstOrThrow()).email, before);
      const signedIn = await authenticateCustomer(data, 'CLI4@example.jp', password);
      assert.equal(signedIn?.name, '鍵 4');
      const { listAddresses } = await import('./addresses.ts');
      assert.equal((await listAddresses(data, signedIn!.id))[0]?.line1, '丸の内4');
    });
  } finally {
    await created?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
