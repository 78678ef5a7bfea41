import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestStore, testDbKind, type TestStore } from '../../test/harness.ts';
import { insertAddressRecord, insertCustomerRecord } from '../identity/customers/customer-data.ts';
import { eraseCustomers, inactiveCustomers } from '../identity/customers/retention.ts';
import { openOrderRow, orderIndexes, sealOrder } from '../orders/encrypted-fields.ts';
import { loadConfig } from '../platform/config.ts';
import type { OrderStatus } from '../orders/tables.ts';
import { runRetentionCommand } from './cli.ts';
import { runRetention } from './service.ts';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

let store: TestStore;
const ids = { old: 0, active: 0, oldOpen: 0, oldAddress: 0, oldOrder: 0, openOrder: 0, activeOldOrder: 0, guestOld: 0, guestRecent: 0, ancient: 0, oldMail: 0 };

async function customer(email: string, created: Date, lastSignIn: Date | null): Promise<number> {
  const data = { db: store.ctx.db, vault: store.ctx.vault };
  const id = await insertCustomerRecord(data, { email, name: '佐藤 一郎', name_kana: 'サトウ イチロウ', phone: '090-1111-2222', password_hash: 'not-a-hash:test-only' });
  await store.ctx.db.updateTable('customer').set({ created_at: created, last_sign_in_at: lastSignIn }).where('id', '=', id).execute();
  return id;
}

async function order(customerId: number | null, placed: Date, status: OrderStatus, email = 'guest@example.jp'): Promise<number> {
  const { db, vault } = store.ctx;
  const id = await vault.nextRowId(db, 'orders');
  const plain = { email, ship_name: '佐藤 一郎', ship_name_kana: 'サトウ イチロウ', ship_postal_code: '150-0001', ship_city: '渋谷区', ship_line1: '神宮前1-2-3', ship_line2: '', ship_phone: '0311112222', note: '置き配希望' };
  const ix = orderIndexes(vault, plain);
  await db
    .insertInto('orders')
    .values({
      id, number: `R-${randomBytes(4).toString('hex')}`, status, customer_id: customerId, access_token_hash: customerId ? null : randomBytes(32).toString('hex'), idempotency_key: randomBytes(16).toString('hex'),
      locale: 'ja', ship_prefecture: '東京都', shipping_method: 'standard', shipping_fee: 800, payment_method: 'bank_transfer', payment_fee: 0,
      items_total: 3_300, total: 4_100, taxable_10: 2_980, tax_10: 270, taxable_8: 1_120, tax_8: 82, invoice_number: 'T1234567890123',
      placed_at: placed, updated_at: placed, ...(await sealOrder(vault, id, plain)), ...ix,
    })
    .execute();
  await db.insertInto('order_line').values({ order_id: id, variant_id: null, sku: 'SKU-R', product_name: 'ドリップバッグ', variant_name: '標準', tax_rate: 8, unit_price: 1_100, quantity: 3, line_total: 3_300 }).execute();
  return id;
}

async function snapshot() {
  const { db } = store.ctx;
  return JSON.stringify({
    customers: await db.selectFrom('customer').selectAll().orderBy('id').execute(),
    addresses: await db.selectFrom('customer_address').selectAll().orderBy('id').execute(),
    orders: await db.selectFrom('orders').selectAll().orderBy('id').execute(),
    mail: await db.selectFrom('mail_outbox').select(['id', 'status']).orderBy('id').execute(),
  });
}

before(async () => {
  store = await startTestStore({ listen: false, config: { retentionCustomerInactiveDays: 3 * 365, retentionOrderDeleteYears: 8 } });
  const { db, vault } = store.ctx;
  ids.old = await customer('old@example.jp', ago(5 * 365), ago(4 * 365));
  ids.oldAddress = await insertAddressRecord({ db, vault }, ids.old, { name: '佐藤 一郎', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', phone: '0311112222' });
  ids.oldOrder = await order(ids.old, ago(4 * 365), 'delivered', 'old@example.jp');
  ids.active = await customer('active@example.jp', ago(5 * 365), ago(10));
  ids.activeOldOrder = await order(ids.active, ago(4 * 365), 'delivered', 'active@example.jp');
  ids.oldOpen = await customer('old-open@example.jp', ago(5 * 365), null);
  ids.openOrder = await order(ids.oldOpen, ago(4 * 365), 'paid', 'old-open@example.jp');
  ids.guestOld = await order(null, ago(4 * 365), 'delivered');
  ids.guestRecent = await order(null, ago(30), 'delivered');
  ids.ancient = await order(null, ago(9 * 365), 'delivered');
  const mail = await db.insertInto('mail_outbox').values({ kind: 'test', to_address: 'x', subject: 'x', text_body: 'x', html_body: null, status: 'sent', to_bidx: vault.emailIndex('old@example.jp') }).returning('id').executeTakeFirstOrThrow();
  ids.oldMail = mail.id;
});

after(() => store.close());

test(`retention dry run on ${testDbKind}: reports what would go and changes nothing`, async () => {
  const before = await snapshot();
  const r = await runRetention(store.ctx, { dryRun: true });
  assert.deepEqual(
    { customers: r.customersErased, anonymised: r.ordersAnonymised, deleted: r.ordersDeleted, mail: r.mailDeleted },
    { customers: 1, anonymised: 2, deleted: 1, mail: 1 },
    'the inactive customer, their order and the old guest order, the 9-year-old order, the inactive customer\'s mail',
  );
  assert.equal(await snapshot(), before);
  const entries = await store.ctx.db.selectFrom('audit_entry').select('seq').where('action', '=', 'retention.run').execute();
  assert.equal(entries.length, 0, 'a dry run writes nothing, not even its audit entry');
});

test(`retention run on ${testDbKind}: inactive customer erased, active and open kept, orders keep amounts but lose personal data, audit entry written`, async () => {
  const { db, vault } = store.ctx;
  const keptBefore = await db.selectFrom('orders').select(['id', 'number', 'total', 'items_total', 'taxable_10', 'tax_10', 'taxable_8', 'tax_8', 'placed_at', 'status', 'ship_prefecture', 'invoice_number']).where('id', 'in', [ids.oldOrder, ids.guestOld]).orderBy('id').execute();
  await store.ctx.scheduler.runNow('retention'); // the daily job

  const customers = (await db.selectFrom('customer').select('id').execute()).map((c) => c.id).sort((a, b) => a - b);
  assert.deepEqual(customers, [ids.active, ids.oldOpen].sort((a, b) => a - b), 'inactive erased; active and the one with an open order kept');
  assert.equal((await db.selectFrom('customer_address').select('id').where('id', '=', ids.oldAddress).execute()).length, 0, 'addresses go with the account');
  assert.equal((await db.selectFrom('mail_outbox').select('id').where('id', '=', ids.oldMail).execute()).length, 0);

  // Anonymised orders: the accounting record is intact, the buyer is gone, and the orders' own reader still works.
  const after = await db.selectFrom('orders').selectAll().where('id', 'in', [ids.oldOrder, ids.guestOld]).orderBy('id').execute();
  for (const [i, row] of after.entries()) {
    const kept = keptBefore[i]!;
    for (const k of Object.keys(kept) as Array<keyof typeof kept>) assert.deepEqual(row[k], kept[k], `order ${row.id}: ${k} kept`);
    const plain = await openOrderRow(vault, row);
    for (const c of ['email', 'ship_name', 'ship_name_kana', 'ship_postal_code', 'ship_city', 'ship_line1', 'ship_line2', 'ship_phone', 'note'] as const) assert.equal(plain[c], '', `order ${row.id}: ${c} erased`);
    assert.deepEqual([row.email_bidx, row.phone_bidx, row.name_tokens, row.customer_id, row.access_token_hash], [null, null, [], null, null]);
    assert.equal((await db.selectFrom('order_line').select('line_total').where('order_id', '=', row.id).executeTakeFirstOrThrow()).line_total, 3_300);
  }
  // Untouched: the active customer's order, the open one, a recent guest order; deleted: the 9-year-old one.
  for (const id of [ids.activeOldOrder, ids.openOrder, ids.guestRecent]) {
    const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.notEqual((await openOrderRow(vault, row)).ship_name, '', `order ${id} kept its data`);
  }
  assert.equal((await db.selectFrom('orders').select('id').where('id', '=', ids.ancient).execute()).length, 0);

  const entry = await db.selectFrom('audit_entry').select(['actor_type', 'result', 'detail']).where('action', '=', 'retention.run').executeTakeFirstOrThrow();
  assert.equal(entry.actor_type, 'system');
  assert.deepEqual(JSON.parse(entry.detail), { customers_erased: 1, orders_anonymised: 2, orders_deleted: 1, mail_deleted: 1, customer_inactive_days: 1095, order_delete_years: 8 });

  // The next day's run finds nothing more.
  const again = await runRetention(store.ctx, { dryRun: false });
  assert.deepEqual([again.customersErased, again.ordersAnonymised, again.ordersDeleted, again.mailDeleted], [0, 0, 0, 0]);
});

test('retention settings: orders cannot be set to go before the legal period; the command checks its arguments', async () => {
  assert.throws(() => loadConfig({ RETENTION_ORDER_DELETE_YEARS: '5' }), /RETENTION_ORDER_DELETE_YEARS: must be 0 \(keep orders\) or 8-100 years/);
  assert.equal(loadConfig({}).retentionCustomerInactiveDays, 0, 'off unless configured');
  const out: string[] = [];
  assert.equal(await runRetentionCommand(['run', '--now'], store.ctx.config, { log: (m) => out.push(m), error: (m) => out.push(m) }), 2);
  assert.match(out.join(), /usage: omamori retention run \[--dry-run\]/);
});

test(`retention on ${testDbKind}: a customer who signs in between selection and erasure is kept (re-checked in the transaction)`, async () => {
  const { db } = store.ctx;
  const id = await customer('comes-back@example.jp', ago(5 * 365), ago(4 * 365));
  const cutoff = ago(3 * 365);
  assert.ok((await inactiveCustomers(db, cutoff)).some((c) => c.id === id));
  await db.updateTable('customer').set({ last_sign_in_at: new Date() }).where('id', '=', id).execute();
  assert.deepEqual(await db.transaction().execute((trx) => eraseCustomers(trx, [id], cutoff)), []);
  assert.equal((await db.selectFrom('customer').select('id').where('id', '=', id).execute()).length, 1);
});
