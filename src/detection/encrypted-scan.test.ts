import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { validCards } from '../../test/fixtures/cards.ts';
import { draftFor, makeVariant } from '../orders/test-fixtures.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { scanDecryptHook } from '../vault/scan-hook.ts';
import { runPanScan } from '../platform/card-numbers/scan.ts';
import { PAN_SCAN_TASK } from './service.ts';

// Issue 5 / T2, T5: a card number inside an encrypted field is invisible to a byte-level scan, so the database walk
// decrypts vault ciphertexts in memory; the find is reported masked, like any other.

const visa = validCards.find((c) => c.brand.toLowerCase() === 'visa' && c.number.length === 16)!;
const masked = `${visa.number.slice(0, 6)}******${visa.number.slice(-4)}`;

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false });
});
after(() => store.close());

test('a card number hidden in an encrypted order field and in an encrypted mail body is found, masked', async () => {
  const { db, vault } = store.ctx;
  const v = await makeVariant(store);
  const placed = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'scan-me@example.jp' }));
  // As if written by a path that bypassed the input screen (an older version, an import): encrypted like any note.
  const note = await vault.encrypt({ table: 'orders', column: 'note', rowId: placed.id }, `カード ${visa.number.replace(/(\d{4})(?=\d)/g, '$1 ')} で`);
  await db.updateTable('orders').set({ note }).where('id', '=', placed.id).execute();
  await db.transaction().execute((trx) => queueMail(trx, { kind: 'test.scan', to: 'scan-me@example.jp', subject: '件名', text: `お控え: ${visa.number}` }));
  const stored = await db.selectFrom('mail_outbox').select(['id', 'text_body']).where('kind', '=', 'test.scan').executeTakeFirstOrThrow();
  assert.ok(!note.includes(visa.number.slice(-4)) && !stored.text_body.includes(visa.number), 'the stored bytes show no digits');

  const blind = await runPanScan({ db: { db, kind: store.ctx.database.kind } });
  assert.ok(!blind.finds.some((f) => f.table === 'orders' || f.table === 'mail_outbox'), 'without the hook the ciphertext hides the number');

  const report = await runPanScan({ db: { db, kind: store.ctx.database.kind }, decrypt: scanDecryptHook(vault) });
  const where = report.finds.filter((f) => f.where === 'database').map((f) => `${f.table}.${f.column} ${f.key} ${f.masked}`);
  assert.deepEqual(where.sort(), [`mail_outbox.text_body id=${stored.id} ${masked}`, `orders.note id=${placed.id} ${masked}`].sort());
  assert.ok(!JSON.stringify(report).includes(visa.number), 'the report never holds the full number');
  assert.ok(report.complete, JSON.stringify(report.database?.errors));
});

test('the store\'s own scan (scheduled or on demand) decrypts too; a value that does not decrypt makes it incomplete', async () => {
  const { db, vault } = store.ctx;
  await db.deleteFrom('pan_scan_run').execute(); // so the scheduled task is due now
  await store.ctx.scheduler.runNow(PAN_SCAN_TASK);
  const recorded = await db.selectFrom('pan_scan_run').selectAll().executeTakeFirstOrThrow();
  assert.equal(recorded.status, 'found');
  assert.ok((recorded.locations as string[]).some((l) => l.startsWith('db orders.note') && l.includes(masked)), JSON.stringify(recorded.locations));

  // a ciphertext copied onto another row fails authentication: reported (never silently skipped), names no value
  const rows = await db.selectFrom('orders').select(['id', 'note']).orderBy('id').limit(1).execute();
  const other = await store.services.orders.place(draftFor([{ v: await makeVariant(store), quantity: 1 }]));
  await db.updateTable('orders').set({ note: rows[0]!.note }).where('id', '=', other.id).execute();
  const report = await runPanScan({ db: { db, kind: store.ctx.database.kind }, decrypt: scanDecryptHook(vault) });
  assert.equal(report.complete, false);
  assert.ok(report.database!.errors.some((e) => e.table === 'orders' && e.error.includes(`note (id=${other.id})`)));
  assert.ok(!JSON.stringify(report.database!.errors).includes(visa.number));
});
