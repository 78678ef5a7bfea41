import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createTestDatabase, testDbKind } from '../../test/harness.ts';
import { openDatabase, type DatabaseHandle } from '../platform/db/database.ts';
import { PGlitePool } from '../platform/db/pglite-pool.ts';
import type { Database } from '../platform/db/schema.ts';
import { migrate } from '../platform/db/migrate.ts';
import { dumpProof, scrubPlaintextResidue, searchDump, type DumpSource } from './dump-proof.ts';
import { reencryptTable } from './rotation.ts';
import { openVault } from './open.ts';

/** A migrated database of the kind under test, with the handle the dump needs (PGlite instance or URL). */
async function open(): Promise<{ handle: Pick<DatabaseHandle, 'db' | 'listen'>; source: DumpSource; dataDir: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omamori-dump-'));
  if (testDbKind === 'postgres') {
    const created = await createTestDatabase();
    const handle = await openDatabase({ databaseUrl: created.url, dataDir, databasePoolSize: 2 });
    await migrate(handle);
    return { handle, source: { kind: 'postgres', url: created.url }, dataDir, close: async () => (await handle.close(), await created.drop(), rmSync(dataDir, { recursive: true, force: true })) };
  }
  // The embedded database, opened here so that the test holds the PGlite instance (dumpDataDir).
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm'); // as openDatabase: catalog search needs it
  const pglite = await PGlite.create({ extensions: { pg_trgm } });
  const pool = new PGlitePool(pglite);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as never }) });
  const handle: DatabaseHandle = {
    db,
    kind: 'pglite',
    exec: async (script) => void (await pglite.exec(script)),
    listen: (channel, fn) => pglite.listen(channel, fn),
    close: () => db.destroy(),
  };
  await migrate(handle);
  return { handle, source: { kind: 'pglite', pglite }, dataDir, close: async () => (await db.destroy(), rmSync(dataDir, { recursive: true, force: true })) };
}

test('searchDump: finds UTF-8 and COPY-escaped needles, refuses short ones', () => {
  const dump = Buffer.from('COPY t (a) FROM stdin;\n山田 太郎\tline1\\nline2\n', 'utf8');
  assert.deepEqual(searchDump(dump, ['山田 太郎', 'line1\nline2', '佐藤 花子']), { found: ['山田 太郎', 'line1\nline2'], absent: ['佐藤 花子'], bytes: dump.length });
  assert.throws(() => searchDump(dump, ['山田']), /at least 4/);
});

test(`dump proof on ${testDbKind}: the encrypted column's values are absent, the plain column's are present`, async () => {
  const t = await open();
  try {
    const vault = await openVault({ keyProvider: 'file', masterKeyFile: path.join(t.dataDir, 'keys', 'master.key'), dataDir: t.dataDir, databaseUrl: t.source.kind === 'postgres' ? t.source.url : undefined, vaultAddr: undefined, vaultTransitKey: 'omamori', vaultTransitMount: 'transit' }, t.handle);
    const { db } = t.handle;
    await sql`create table vault_dump_test (id int primary key, secret text not null, open_note text not null)`.execute(db);
    const people = [
      { secret: 'tanaka.ichiro@example.jp', open: 'note-visible-alpha' },
      { secret: '東京都渋谷区神宮前9-8-7', open: 'note-visible-beta' },
      { secret: '090-9876-5432', open: 'note-visible-gamma' },
    ];
    for (const [i, p] of people.entries()) {
      const ct = await vault.encrypt({ table: 'vault_dump_test', column: 'secret', rowId: i + 1 }, p.secret);
      await sql`insert into vault_dump_test (id, secret, open_note) values (${i + 1}, ${ct}, ${p.open})`.execute(db);
    }
    if (t.source.kind === 'pglite') await sql`checkpoint`.execute(db);
    const result = await dumpProof(t.source, [...people.map((p) => p.secret), ...people.map((p) => p.open)]);
    assert.deepEqual(result.found, people.map((p) => p.open), 'only the plain column shows in the dump');
    assert.deepEqual(result.absent, people.map((p) => p.secret));
    assert.ok(result.bytes > 1000);
    await vault.close();
  } finally {
    await t.close();
  }
});

test(`initial encryption of plain columns on ${testDbKind}: plain text survives in the physical files until scrubbed`, async () => {
  const t = await open();
  try {
    const vault = await openVault({ keyProvider: 'file', masterKeyFile: path.join(t.dataDir, 'keys', 'master.key'), dataDir: t.dataDir, databaseUrl: t.source.kind === 'postgres' ? t.source.url : undefined, vaultAddr: undefined, vaultTransitKey: 'omamori', vaultTransitMount: 'transit' }, t.handle);
    const { db } = t.handle;
    await sql`create table vault_scrub_test (id int primary key, email text)`.execute(db);
    const needles = Array.from({ length: 20 }, (_, i) => `scrub-me-${i}@example.jp`);
    for (const [i, e] of needles.entries()) await sql`insert into vault_scrub_test values (${i + 1}, ${e})`.execute(db);
    await reencryptTable(vault, { table: 'vault_scrub_test', primaryKey: 'id', columns: ['email'] }, { encryptPlaintext: true });
    const before = await dumpProof(t.source, needles);
    // pg_dump is logical (live rows only); PGlite's data directory still holds the old values (WAL).
    if (t.source.kind === 'pglite') assert.ok(before.found.length > 0, 'old plain values are still in the data directory');
    else assert.deepEqual(before.found, []);
    await scrubPlaintextResidue(db, ['vault_scrub_test']);
    assert.deepEqual((await dumpProof(t.source, needles)).found, []);
    const row = (await sql<{ id: number; email: string }>`select id, email from vault_scrub_test where id = 3`.execute(db)).rows[0]!;
    assert.equal(await vault.decrypt({ table: 'vault_scrub_test', column: 'email', rowId: row.id }, row.email), needles[2]);
    await vault.close();
  } finally {
    await t.close();
  }
});
