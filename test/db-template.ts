import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate, migrationFiles } from '../src/platform/db/migrate.ts';

/**
 * Every test store starts from an already migrated database instead of running a hundred migrations again:
 * a PGlite dump (in the system's temp directory) or a PostgreSQL template database, both named by a hash of the
 * migrations, so a changed migration makes a new one. The store still runs `migrate` at start; it finds nothing
 * to do. Made once per machine and migration set; concurrent test processes race safely (write, then rename).
 */
export function migrationsHash(): string {
  const h = createHash('sha256');
  const pgliteVersion = (JSON.parse(readFileSync(join(import.meta.dirname, '../node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version;
  h.update(`pglite ${pgliteVersion}\n`);
  for (const f of migrationFiles()) h.update(`${f.name}\n`).update(readFileSync(f.path));
  return h.digest('hex').slice(0, 16);
}

let pgliteDump: Promise<Blob> | undefined;

/** A dump of an in-memory PGlite with every migration applied. */
export function migratedPGliteDump(): Promise<Blob> {
  pgliteDump ??= (async () => {
    const file = join(tmpdir(), `omamori-test-pglite-${migrationsHash()}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const handle = await openDatabase({ databaseUrl: undefined, dataDir: tmpdir(), databasePoolSize: 1 }, { memory: true });
    try {
      await migrate(handle);
      const dump = await handle.pglite!.dumpDataDir('none');
      const partial = `${file}.${randomBytes(4).toString('hex')}`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, file);
      return dump;
    } finally {
      await handle.close();
    }
  })();
  return pgliteDump;
}

let pgTemplate: Promise<string> | undefined;

/** The name of a PostgreSQL database with every migration applied, to be used as `create database … template`. */
export function migratedPostgresTemplate(serverUrl: string): Promise<string> {
  pgTemplate ??= (async () => {
    const pg = (await import('pg')).default;
    const name = `omamori_tpl_${migrationsHash()}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      const exists = async () => (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
      if (await exists()) return name;
      const building = `${name}_${randomBytes(4).toString('hex')}`;
      await admin.query(`create database ${building}`);
      const url = new URL(serverUrl);
      url.pathname = `/${building}`;
      const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: tmpdir(), databasePoolSize: 1 });
      try {
        await migrate(handle);
      } finally {
        await handle.close();
      }
      try {
        await admin.query(`alter database ${building} rename to ${name}`);
      } catch (err) {
        // Another test process finished the same template first: use theirs.
        await admin.query(`drop database if exists ${building}`);
        if (!(await exists())) throw err;
      }
      return name;
    } finally {
      await admin.end();
    }
  })();
  return pgTemplate;
}
