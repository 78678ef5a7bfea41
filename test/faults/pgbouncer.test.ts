import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestVariant } from '../../src/cart/test-products.ts';
import { notify } from '../../src/platform/db/database.ts';
import { createTestDatabase, startTestStore, testDbKind, type TestStore } from '../harness.ts';
import { missingPgBouncer, PrivatePgBouncer } from './pgbouncer.ts';
import { shopOnce } from './shoppers.ts';

// Issue 14: the store through PgBouncer in transaction-pooling mode (DATABASE_URL), with DATABASE_DIRECT_URL for what
// needs a session of its own (LISTEN/NOTIFY, the start-up's advisory locks). Two instances of 6 connections each share
// 6 server connections, so their transactions really are multiplexed (a pool smaller than one instance's
// DATABASE_POOL_SIZE can stall: a request may hold a transaction while its instance waits for a second connection). PostgreSQL pass only (the embedded database has no server).
const missing = missingPgBouncer();
const onPostgres = testDbKind === 'postgres';
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let bouncer: PrivatePgBouncer | undefined;
let a: TestStore | undefined;
let b: TestStore | undefined;

before(async () => {
  if (missing || !onPostgres) return;
  database = await createTestDatabase();
  bouncer = await PrivatePgBouncer.start(database.url, 6);
  const name = new URL(database.url).pathname.slice(1);
  const config = { databaseUrl: bouncer.url(name), databaseDirectUrl: database.url, databasePoolSize: 6 };
  a = await startTestStore({ config });
  b = await startTestStore({ config, sameDatabaseAs: a });
});
after(async () => {
  await b?.close();
  await a?.close();
  await bouncer?.stop();
  await database?.drop();
});

async function bouncerStats(): Promise<{ transactions: number; queries: number }> {
  const c = new pg.Client({ connectionString: bouncer!.adminUrl });
  await c.connect();
  // The admin console speaks the simple query protocol only.
  const rows = (await c.query({ text: 'SHOW STATS', rowMode: 'array' })) as unknown as { fields: { name: string }[]; rows: unknown[][] };
  await c.end();
  const col = (n: string) => rows.fields.findIndex((f) => f.name === n);
  const name = new URL(database!.url).pathname.slice(1);
  const row = rows.rows.find((r) => r[col('database')] === name)!;
  return { transactions: Number(row[col('total_xact_count')]), queries: Number(row[col('total_query_count')]) };
}

test('PostgreSQL only: through PgBouncer (transaction pooling), two instances start (migrations and encryption lock on the direct connection, no lock left), 30 shoppers place orders, stock is exact, search works, NOTIFY reaches both instances', { skip: missing ?? false, timeout: 120_000 }, async () => {
  if (!onPostgres) return; // the PGlite pass has no server to put a pooler in front of
  const direct = new pg.Client({ connectionString: database!.url });
  await direct.connect();
  try {
    // Session advisory locks taken at start were released on the same session: none is left behind. (A transaction's
    // own advisory lock in flight is not a leak: a leaked session lock sits on a connection that is idle.)
    const locks = await direct.query(`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted and a.state = 'idle'`);
    assert.equal(locks.rows[0].n, 0, 'no advisory lock left held after two starts');

    const before = await bouncerStats();
    const stock = 1000;
    const variant = await createTestVariant(a!.ctx.db, { name: 'プール経由', price: 1200, stock });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => shopOnce((i % 2 ? b! : a!).url, variant, 1 + (i % 3), 30_000)));
    const placed = results.filter((r) => r.step === 'checkout' && r.status === 201);
    assert.equal(placed.length, 30, JSON.stringify(results.filter((r) => r.status !== 201)));
    const sold = results.reduce((n, r) => n + r.quantity, 0);
    const left = (await direct.query(`select stock from variant where id = $1`, [variant])).rows[0].stock;
    assert.equal(left, stock - sold, 'stock exact through the pooler');
    const numbers = placed.map((r) => r.number!);
    assert.equal((await direct.query(`select count(*)::int as n from orders where number = any($1)`, [numbers])).rows[0].n, 30, 'each order stored once');
    const after = await bouncerStats();
    assert.ok(after.transactions - before.transactions >= 60, `the orders went through PgBouncer: ${after.transactions - before.transactions} transactions`);
    const servers = await direct.query(`select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = '' and backend_type = 'client backend'`, [new URL(database!.url).pathname.slice(1)]);
    assert.ok(servers.rows[0].n <= 6 + 2 * 3 + 1, `server connections bounded by the pool (6) plus the direct ones: ${servers.rows[0].n}`);

    await a!.services.catalog.write(async () => {}); // the search index follows a catalog write (the test wrote the product directly)
    // Search (its own small pool with named prepared statements and a 2 s statement_timeout): on the direct URL.
    const found = await fetch(`${a!.url}/api/store/products?q=${encodeURIComponent('プール経由')}`, { headers: { accept: 'application/json' } });
    assert.equal(found.status, 200);
    assert.ok(JSON.stringify(await found.json()).includes('プール経由'), 'search finds the product');

    // LISTEN on the direct connection: a NOTIFY sent at commit of a transaction through PgBouncer reaches both instances.
    const got: string[] = [];
    await a!.ctx.database.listen('pgbouncer_probe', (p) => got.push(`a:${p}`));
    await b!.ctx.database.listen('pgbouncer_probe', (p) => got.push(`b:${p}`));
    await a!.ctx.db.transaction().execute((trx) => notify(trx, 'pgbouncer_probe', 'hello'));
    const t0 = Date.now();
    while (got.length < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.sort(), ['a:hello', 'b:hello']);
  } finally {
    await direct.end();
  }
});
