import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { mailsTo } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import type { TestClient } from '../../test/client.ts';
import { encryptPlaintextAtStart } from '../vault/initial-encryption.ts';
import { encryptedTables } from '../app/encrypted-tables.ts';
import { orderPersonalColumns } from './encrypted-fields.ts';
import { eventsOf } from './queries.ts';
import { draftFor, makeVariant, type TestVariant } from './test-fixtures.ts';

// Issue 5: orders' personal columns are vault ciphertexts; search works through blind indexes; pre-0035 rows are
// encrypted at start.

let store: TestStore;
let beans: TestVariant;
let owner: TestClient;
before(async () => {
  store = await startTestStore();
  beans = await makeVariant(store, { stock: 500 });
  owner = (await staffClient(store, 'owner')).client;
});
after(() => store.close());

const shipping = (name: string, kana: string, phone: string) => ({ name, name_kana: kana, postal_code: '951-8068', prefecture: '新潟県', city: '新潟市中央区', line1: '上大川前通7-1234', line2: '暗号ハイツ 202', phone });

async function place(email: string, name: string, kana: string, phone: string, note = '') {
  return store.services.orders.place(draftFor([{ v: beans, quantity: 1 }], { email, shipping: shipping(name, kana, phone), note }));
}

test('an order is stored with every personal column encrypted and read back decrypted everywhere', async () => {
  const placed = await place('Kurokawa.Secret@Example.jp', '黒川 暗子', 'クロカワ アンコ', '025-987-6543', '置き配を希望します');
  const row = await store.ctx.db.selectFrom('orders').selectAll().where('id', '=', placed.id).executeTakeFirstOrThrow();
  for (const column of orderPersonalColumns) assert.match(row[column], /^v1\.\d+\./, `${column} is a ciphertext`);
  assert.equal(row.ship_prefecture, '新潟県', 'the prefecture stays plain (shipping and tax reports)');
  assert.ok(row.email_bidx && row.phone_bidx && row.name_tokens.length === 4, 'blind indexes beside the ciphertexts');
  assert.ok(!JSON.stringify(row).includes('暗子') && !JSON.stringify(row).includes('6543'));

  const order = (await store.services.orders.byId(placed.id))!;
  assert.equal(order.email, 'Kurokawa.Secret@Example.jp');
  assert.deepEqual(order.shipping, shipping('黒川 暗子', 'クロカワ アンコ', '025-987-6543'));
  assert.equal(order.note, '置き配を希望します');

  // the confirmation mail was written from the plain draft, and is stored encrypted too
  const [mail] = await mailsTo(store, 'kurokawa.secret@example.jp');
  assert.ok(mail && mail.text_body.includes('黒川 暗子'));
  const stored = await store.ctx.db.selectFrom('mail_outbox').selectAll().where('id', '=', mail.id).executeTakeFirstOrThrow();
  for (const c of ['to_address', 'subject', 'text_body'] as const) assert.match(stored[c], /^v1\./);

  // staff notes on status changes are encrypted too; the history shows them decrypted
  await store.services.orders.transition(placed.id, 'cancelled', null, 'お客様(025-987-6543)から電話でキャンセル');
  const event = await store.ctx.db.selectFrom('order_event').select('note').where('order_id', '=', placed.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.match(event.note, /^v1\./);
  assert.equal((await eventsOf(store.ctx.db, placed.id)).at(-1)!.note, 'お客様(025-987-6543)から電話でキャンセル');

  // a ciphertext moved to another order does not decrypt (bound to its row)
  const other = await place('other@example.jp', '白石 二郎', 'シライシ ジロウ', '0311112222');
  const own = await store.ctx.db.selectFrom('orders').select('email').where('id', '=', other.id).executeTakeFirstOrThrow();
  await store.ctx.db.updateTable('orders').set({ email: row.email }).where('id', '=', other.id).execute();
  await assert.rejects(store.services.orders.byId(other.id), (e: { code?: string }) => e.code === 'tampered');
  await store.ctx.db.updateTable('orders').set({ email: own.email }).where('id', '=', other.id).execute();
});

test('admin search: order number by prefix, e-mail and phone exactly, name by family-name prefix (kanji or kana)', async () => {
  const a = await place('search-a@example.jp', '鈴木 一郎', 'スズキ イチロウ', '090-1111-2222');
  const b = await place('search-b@example.jp', '鈴村 花子', 'スズムラ ハナコ', '080-3333-4444');
  const c = await place('search-c@example.jp', '佐藤 三郎', 'サトウ サブロウ', '070-5555-6666');
  const numbers = async (q: string) => {
    const res = await owner.get(`/admin/orders?q=${encodeURIComponent(q)}`);
    assert.equal(res.status, 200, `${q}: ${res.status}`);
    return [a, b, c].filter((o) => res.text.includes(o.number)).map((o) => o.number);
  };
  assert.deepEqual(await numbers('SEARCH-A@example.jp'), [a.number], 'e-mail, case-insensitive');
  assert.deepEqual(await numbers('search@example.jp'), [], 'no partial e-mail');
  assert.deepEqual(await numbers('09011112222'), [a.number], 'phone without hyphens');
  assert.deepEqual(await numbers('０８０－３３３３－４４４４'), [b.number], 'phone typed full-width');
  assert.equal((await owner.get('/admin/orders?q=090-1111')).status, 422, 'no partial phone: explained, not searched');
  assert.deepEqual(await numbers('鈴'), [a.number, b.number], 'one character of the family name');
  assert.deepEqual(await numbers('鈴木'), [a.number], 'two characters');
  assert.deepEqual(await numbers('すず'), [a.number, b.number], 'kana prefix, hiragana matches katakana');
  assert.deepEqual(await numbers('スズム'), [b.number], 'a longer prefix narrows the candidates after decryption');
  assert.deepEqual(await numbers('サトウ'), [c.number]);
  assert.deepEqual(await numbers('三郎'), [], 'given names are not indexed');
  assert.deepEqual(await numbers(c.number), [c.number]);
  assert.equal((await owner.get('/admin/orders?q=123')).status, 200, 'a number prefix');
  assert.equal((await owner.get(`/admin/orders?q=${encodeURIComponent('<script>')}`)).status, 422);
});

test('start-up step: plain-text orders, mails and job payloads from an older version are encrypted, once', async () => {
  const { db, vault } = store.ctx;
  // As an older version wrote them: plain columns, no blind indexes.
  const id = await vault.nextRowId(db, 'orders');
  await db
    .insertInto('orders')
    .values({ id, number: `20250101-${id}`, status: 'paid', customer_id: null, access_token_hash: null, idempotency_key: `legacy-${id}`, email: 'legacy@example.jp', locale: 'ja', ship_name: '古川 平文', ship_name_kana: 'フルカワ ヘイブン', ship_postal_code: '100-0001', ship_prefecture: '東京都', ship_city: '千代田区', ship_line1: '千代田1-1', ship_line2: '', ship_phone: '03-0000-1111', shipping_method: 'standard', shipping_fee: 800, payment_method: 'bank_transfer', payment_fee: 0, items_total: 1000, total: 1800, taxable_10: 1800, tax_10: 163, taxable_8: 0, tax_8: 0, invoice_number: null, note: '旧データ' })
    .execute();
  const mail = await db.insertInto('mail_outbox').values({ kind: 'legacy', to_address: 'legacy@example.jp', subject: '旧メール', text_body: '古川 平文 様', status: 'kept' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('job').values({ kind: 'legacy.kind', payload: JSON.stringify({ email: 'legacy@example.jp' }), status: 'done' }).execute();
  await db.insertInto('order_event').values({ order_id: id, from_status: null, to_status: 'paid', staff_id: null, note: '古川様 入金確認' }).execute();

  const first = await encryptPlaintextAtStart(vault, db, { kind: store.ctx.database.kind, batchSize: 2, tables: encryptedTables });
  assert.deepEqual(first.sort(), ['job', 'mail_outbox', 'order_event', 'orders']);
  assert.deepEqual((await eventsOf(db, id)).map((e) => e.note), ['古川様 入金確認']);
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.match(row.ship_name, /^v1\./);
  assert.equal(row.email_bidx, vault.emailIndex('legacy@example.jp'));
  assert.equal(row.phone_bidx, vault.phoneIndex('0300001111'));
  assert.equal((await store.services.orders.byId(id))!.shipping.name, '古川 平文');
  assert.ok((await owner.get('/admin/orders?q=' + encodeURIComponent('古川'))).text.includes(row.number), 'found by name after the start-up step');
  const [legacyMail] = await mailsTo(store, 'legacy@example.jp', 'legacy');
  assert.equal(legacyMail?.text_body, '古川 平文 様');
  assert.equal(legacyMail?.id, mail.id);
  const job = await db.selectFrom('job').selectAll().where('kind', '=', 'legacy.kind').executeTakeFirstOrThrow();
  assert.deepEqual(job.payload, {});
  assert.match(job.payload_sealed!, /^v1\./);

  // idempotent: nothing left to do, nothing rewritten
  const before = await db.selectFrom('orders').select(['id', 'email']).orderBy('id').execute();
  assert.deepEqual(await encryptPlaintextAtStart(vault, db, { kind: store.ctx.database.kind, tables: encryptedTables }), []);
  assert.deepEqual(await db.selectFrom('orders').select(['id', 'email']).orderBy('id').execute(), before);
  assert.ok(encryptedTables.some((t) => t.table === 'orders') && encryptedTables.some((t) => t.table === 'mail_outbox'), 'registered for `keys rotate --dek`');
});

test('job payloads are sealed whatever the kind, and handlers get them back decrypted', async () => {
  const seen: unknown[] = [];
  store.ctx.jobs.register('test.personal', async (payload) => void seen.push(payload));
  await store.ctx.db.transaction().execute(async (trx) => {
    const { enqueueJob } = await import('../platform/jobs/queue.ts');
    await enqueueJob(trx, 'test.personal', { email: 'sealed-job@example.jp', n: 1 });
  });
  const stored = (await sql<{ payload: unknown; payload_sealed: string }>`select payload, payload_sealed from job where kind = 'test.personal'`.execute(store.ctx.db)).rows[0]!;
  assert.deepEqual(stored.payload, {});
  assert.ok(!stored.payload_sealed.includes('sealed-job'));
  await store.drainJobs();
  assert.deepEqual(seen, [{ email: 'sealed-job@example.jp', n: 1 }]);
});
