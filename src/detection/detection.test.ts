import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, startTestStore, testDbKind, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { allMails } from '../../test/outbox.ts';
import { draftFor, makeVariant } from '../orders/test-fixtures.ts';
import { runPanScan } from '../platform/card-numbers/scan.ts';
import { PAN_FOUND_TITLE, PAN_SCAN_TASK, panScanIntervalMs } from './service.ts';

const VISA = '4242424242424242';
const JCB = '3566002020360505';
const fw = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0xff10 + Number(c)));

let store: TestStore;
before(async () => {
  store = await startTestStore({ seed: true, listen: false });
});
after(() => store.close());

test('a seeded store with a placed order is clean: zero finds, every table read', async () => {
  const v = await makeVariant(store, { price: 1200, stock: 5 });
  await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'clean@example.jp' }));
  await staffClient(store, 'owner');
  const report = await runPanScan({ db: { db: store.ctx.db, kind: store.ctx.database.kind }, dataDir: store.dataDir });
  assert.deepEqual(report.finds, []);
  assert.equal(report.clean, true);
  assert.equal(report.complete, true);
  assert.ok(report.database!.tables >= 15, `tables: ${report.database!.tables}`);
  assert.ok(report.database!.rows > 20, 'the demo catalog and the order were read');
});

test('the database scan finds a card in a text column and in a JSON column, masked, with table, column and key', async () => {
  const { db } = store.ctx;
  const customer = await db
    .insertInto('customer')
    .values({ email: 'pan@example.jp', name: `山田 ${fw('4242 4242 4242 4242')}`, password_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('shop_setting').values({ key: 'pan_test_note', value: JSON.stringify({ memo: `card ${JCB} exp 12/28` }) }).execute();
  const report = await runPanScan({ db: { db, kind: store.ctx.database.kind } });
  const finds = report.finds.map((f) => ({ location: f.location, masked: f.masked }));
  assert.deepEqual(
    finds.sort((a, b) => a.location.localeCompare(b.location)),
    [
      { location: `customer.name [id=${customer.id}]`, masked: '424242******4242' },
      { location: 'shop_setting.value [key=pan_test_note]', masked: '356600******0505' },
    ],
  );
  assert.ok(!JSON.stringify(report).includes(VISA) && !JSON.stringify(report).includes(JCB), 'the report never holds a full number');
  await db.deleteFrom('customer').where('id', '=', customer.id).execute();
  await db.deleteFrom('shop_setting').where('key', '=', 'pan_test_note').execute();
});

test('paging: a table larger than one batch is read completely', async () => {
  const { db } = store.ctx;
  const { scanDatabase, emptyDbStats } = await import('../platform/card-numbers/database-scan.ts');
  const rows = Array.from({ length: 25 }, (_, i) => ({ email: `bulk${i}@example.jp`, name: i === 23 ? `memo 5555-5555-5555-4444` : `客${i}`, password_hash: 'x' }));
  await db.insertInto('customer').values(rows).execute();
  const stats = emptyDbStats();
  await scanDatabase(db, stats, { batchSize: 4 });
  assert.deepEqual(stats.finds.map((f) => `${f.table}.${f.column} ${f.masked}`), ['customer.name 555555******4444']);
  await db.deleteFrom('customer').where('email', 'like', 'bulk%').execute();

  // a table without a primary key is read by ranges of heap blocks (ctid)
  await sql`create table pan_test_no_pk (note text, data jsonb, n bigint)`.execute(db);
  await sql`insert into pan_test_no_pk select 'row ' || g, '{}', g from generate_series(1, 300) g`.execute(db);
  await sql`insert into pan_test_no_pk values ('x', ${JSON.stringify({ card: '3782 822463 10005' })}, 4012888888881881)`.execute(db);
  const noPk = emptyDbStats();
  await scanDatabase(db, noPk, { batchSize: 4 });
  await sql`drop table pan_test_no_pk`.execute(db);
  assert.deepEqual(noPk.errors, []);
  assert.deepEqual(noPk.finds.map((f) => `${f.table}.${f.column} ${f.masked}`), ['pan_test_no_pk.data 378282*****0005', 'pan_test_no_pk.n 401288******1881']);
  assert.match(noPk.finds[0]!.key, /^ctid=\(\d+,\d+\)$/);
});

test('the DATA_DIR scan finds a card in an uploads/outbox-like file, skips pgdata and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omamori-pan-'));
  try {
    mkdirSync(join(dir, 'uploads'));
    mkdirSync(join(dir, 'outbox'));
    mkdirSync(join(dir, 'pgdata'));
    writeFileSync(join(dir, 'uploads', 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    writeFileSync(join(dir, 'outbox', '0001.eml'), `Subject: ご注文\n\nお支払い: カード ${fw(JCB)} で\n`);
    writeFileSync(join(dir, 'pgdata', 'heap'), `${VISA}`);
    mkdirSync(join(dir, 'backups'));
    writeFileSync(join(dir, 'backups', 'dump.sql.gz'), gzipSync(`-- dump\ninsert into t values ('x');\ninsert into t values ('5555 5555 5555 4444');\n`));
    writeFileSync(join(dir, 'backups', 'broken.gz'), `not gzip at all: 6011111111111117`);
    const report = await runPanScan({ dataDir: dir });
    assert.deepEqual(
      report.finds.map((f) => [f.path, f.line, f.masked]),
      [
        ['backups/broken.gz', 1, '601111******1117'],
        ['backups/dump.sql.gz', 3, '555555******4444'],
        ['outbox/0001.eml', 3, '356600******0505'],
      ],
    );
    assert.match(report.finds[1]!.location, /decompressed/);
    assert.deepEqual(report.files.opaque, ['backups/broken.gz']);
    assert.deepEqual(report.files.skipped, [{ path: 'pgdata', reason: 'embedded database files: covered by the database scan' }]);
    assert.equal(report.files.files, 4);
    // naming pgdata explicitly scans it as bytes
    const explicit = await runPanScan({ dataDir: dir, paths: [join(dir, 'pgdata')] });
    assert.deepEqual(explicit.finds.map((f) => f.masked).sort(), ['356600******0505', '424242******4242', '555555******4444', '601111******1117']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the scheduled task records each run and, on a find, raises a critical alert and mails the owners', async () => {
  const { db } = store.ctx;
  await staffClient(store, 'owner');
  await db.deleteFrom('pan_scan_run').execute();
  mkdirSync(join(store.dataDir, 'uploads'), { recursive: true });
  writeFileSync(join(store.dataDir, 'uploads', 'memo.txt'), `please charge 4242-4242-4242-4242\n`);
  await store.ctx.scheduler.runNow(PAN_SCAN_TASK);
  const runs = await db.selectFrom('pan_scan_run').selectAll().execute();
  assert.equal(runs.length, 1);
  const run = runs[0]!;
  assert.equal(run.trigger, 'schedule');
  assert.equal(run.status, 'found');
  assert.equal(run.finds, 1);
  assert.ok(run.finished_at);
  assert.ok(Number(run.tables_scanned) > 10 && Number(run.rows_scanned) > 0 && Number(run.files_scanned) >= 1);
  assert.deepEqual(run.locations, ['file uploads/memo.txt:1 (byte 14) 424242******4242 (visa)']);
  const alert = await db.selectFrom('alert').selectAll().where('kind', '=', 'pan_found').executeTakeFirstOrThrow();
  assert.equal(alert.severity, 'critical');
  assert.equal(alert.title, PAN_FOUND_TITLE);
  assert.deepEqual((alert.detail as { locations: string[] }).locations, run.locations);
  const mails = await allMails(store, 'security_alert');
  assert.ok(mails.length >= 1, 'an owner mail row exists');
  assert.match(mails[0]!.subject, /CRITICAL: カード番号らしき数字/);
  assert.ok(mails.every((m) => !m.text_body.includes(VISA) && m.text_body.includes('424242******4242')));

  // not due again within the interval: the next round does nothing
  await store.ctx.scheduler.runNow(PAN_SCAN_TASK);
  assert.equal((await db.selectFrom('pan_scan_run').select('id').execute()).length, 1);
  rmSync(join(store.dataDir, 'uploads', 'memo.txt'));
  // and the masked data the scan wrote (runs, alert, mail) does not trigger the next scan
  const again = await runPanScan({ db: { db, kind: store.ctx.database.kind }, dataDir: store.dataDir });
  assert.deepEqual(again.finds, []);
});

test('PAN_SCAN_INTERVAL_HOURS: default daily, validated', () => {
  assert.equal(panScanIntervalMs({}), 24 * 3600_000);
  assert.equal(panScanIntervalMs({ PAN_SCAN_INTERVAL_HOURS: '6' }), 6 * 3600_000);
  assert.throws(() => panScanIntervalMs({ PAN_SCAN_INTERVAL_HOURS: 'daily' }), /PAN_SCAN_INTERVAL_HOURS/);
  assert.throws(() => panScanIntervalMs({ PAN_SCAN_INTERVAL_HOURS: '0' }), /PAN_SCAN_INTERVAL_HOURS/);
});

test('omamori scan-pan exits 1 with a find, 0 when clean, 2 on usage errors, and never prints the full number', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-pan-cli-'));
  const extra = mkdtempSync(join(tmpdir(), 'omamori-pan-extra-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  try {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', LOG_FILE: '' };
    const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/omamori.js', 'scan-pan', ...args], { env, encoding: 'utf8' });
    const clean = cli('--json', join(extra, 'clean.json'));
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /clean: no card-number-like data found/);
    assert.match(clean.stdout, /skipped pgdata|database \(postgres\)/);
    assert.equal(JSON.parse(readFileSync(join(extra, 'clean.json'), 'utf8')).clean, true);

    writeFileSync(join(extra, 'export.csv'), `id,name,card\n1,山田,${VISA}\n2,佐藤,${fw(JCB)}\n`);
    const found = cli('--no-db', '--json', join(extra, 'found.json'), extra);
    assert.equal(found.status, 1, found.stderr);
    assert.match(found.stdout, /FOUND 2/);
    assert.match(found.stdout, /export\.csv:2 \(byte \d+\) 424242\*\*\*\*\*\*4242/);
    const json = readFileSync(join(extra, 'found.json'), 'utf8');
    assert.equal(JSON.parse(json).finds.length, 2);
    for (const out of [found.stdout, found.stderr, json]) {
      assert.ok(!out.includes(VISA) && !out.includes(JCB) && !out.includes(fw(JCB)), 'no full number anywhere');
    }

    const usage = cli('--bogus');
    assert.equal(usage.status, 2);
    assert.equal(cli('--json').status, 2);
    assert.equal(cli('/no/such/path').status, 2);
  } finally {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(extra, { recursive: true, force: true });
  }
});
