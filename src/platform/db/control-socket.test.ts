import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from './database.ts';
import { DataDirBusy, dataDirHolder, lockFile } from './data-dir-lock.ts';
import { controlSocketDir, controlSocketPort } from './pglite-control-socket.ts';

// The embedded database is PGlite whatever OMAMORI_TEST_DB says: the control socket exists only there.
const config = (dataDir: string) => ({ databaseUrl: '', dataDir, databasePoolSize: 5, dbIdleInTransactionTimeoutMs: 1500 });

test('the running store serves its embedded database to commands: no interleaving with its own transactions, NOTIFYs reach its listeners, a stuck client is rolled back', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-control-'));
  try {
    const store = await openDatabase(config(dataDir), { role: 'store' });
    try {
      assert.equal(dataDirHolder(dataDir)?.role, 'store');
      await store.exec('create table t (x int)');
      const heard: string[] = [];
      await store.listen('omamori_test', (p) => heard.push(p));

      const command = await openDatabase(config(dataDir)); // goes through the socket
      assert.equal(command.kind, 'pglite');
      // A command's transaction: the store's query waits for it and never sees its rows half-way.
      const inside = command.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        await new Promise((r) => setTimeout(r, 300));
        await sql`insert into t values (2)`.execute(trx);
        await sql`select pg_notify('omamori_test', 'from the command')`.execute(trx);
      });
      await new Promise((r) => setTimeout(r, 100));
      const seen = await sql<{ n: number }>`select count(*)::int as n from t`.execute(store.db);
      assert.ok(seen.rows[0]!.n === 0 || seen.rows[0]!.n === 2, `the store saw ${seen.rows[0]!.n} rows: the command's transaction interleaved`);
      await inside;
      assert.equal((await sql<{ n: number }>`select count(*)::int as n from t`.execute(store.db)).rows[0]!.n, 2);
      assert.deepEqual(heard, ['from the command'], 'the store heard the NOTIFY once');
      // The store's own transaction: a command's statement waits for it.
      await store.db.transaction().execute(async (trx) => {
        const waiting = sql`insert into t values (3)`.execute(command.db);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal((await sql<{ n: number }>`select count(*)::int as n from t`.execute(trx)).rows[0]!.n, 2);
        void waiting;
      });
      await new Promise((r) => setTimeout(r, 300));
      // An error in the command leaves both usable.
      await assert.rejects(sql`select 1/0`.execute(command.db), /division by zero/);
      assert.equal((await sql<{ n: number }>`select count(*)::int as n from t`.execute(command.db)).rows[0]!.n, 3);
      await command.close();

      // A client that opens a transaction and goes quiet is rolled back and cut off after the idle limit.
      const stuck = new pg.Client({ host: controlSocketDir(dataDir), port: controlSocketPort, user: 'postgres', database: 'template1' });
      stuck.on('error', () => {});
      await stuck.connect();
      await stuck.query('begin');
      await stuck.query('insert into t values (99)');
      const t0 = Date.now();
      assert.equal((await sql<{ n: number }>`select count(*)::int as n from t`.execute(store.db)).rows[0]!.n, 3, 'the quiet transaction was rolled back');
      assert.ok(Date.now() - t0 >= 1000, 'the store waited for the idle limit');
      await stuck.end().catch(() => {});

      // A second holder of the data directory is refused.
      await assert.rejects(openDatabase(config(dataDir), { role: 'store' }), (err: Error) => err instanceof DataDirBusy && /held by the running store/.test(err.message));
    } finally {
      await store.close();
    }
    assert.equal(dataDirHolder(dataDir), null, 'the lock is released at close');
    // A lock left by a process that is gone is taken over.
    writeFileSync(lockFile(dataDir), JSON.stringify({ pid: 2 ** 22 + 12345, role: 'store', socketDir: controlSocketDir(dataDir) }));
    const again = await openDatabase(config(dataDir));
    assert.equal((await sql<{ n: number }>`select count(*)::int as n from t`.execute(again.db)).rows[0]!.n, 3);
    await again.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
