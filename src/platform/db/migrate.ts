import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { srcDir } from '../paths.ts';
import { sql } from 'kysely';
import type { DatabaseHandle } from './database.ts';


/** Every `src/<domain>/migrations/NNNN_name.sql`, in the global order of their numbers. */
export function migrationFiles(): Array<{ name: string; path: string }> {
  const files: Array<{ name: string; path: string }> = [];
  for (const domain of readdirSync(srcDir)) {
    const dir = join(srcDir, domain, 'migrations');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (/^\d{4}_[a-z0-9_]+\.sql$/.test(f)) files.push({ name: basename(f, '.sql'), path: join(dir, f) });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  for (const f of files) {
    const n = f.name.slice(0, 4);
    if (seen.has(n)) throw new Error(`Two migrations share the number ${n}`);
    seen.add(n);
  }
  return files;
}

/** Applies pending migrations once, even when several app instances start together. */
export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  const { db } = handle;
  await handle.exec(`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
  // A session lock: on the direct connection when DATABASE_URL is a transaction-mode pooler (sessionDb).
  return (handle.sessionDb ?? db).connection().execute(async (conn) => {
    if (handle.kind === 'postgres') await sql`select pg_advisory_lock(7341001)`.execute(conn);
    try {
      const done = new Set((await sql<{ name: string }>`select name from schema_migrations`.execute(conn)).rows.map((r) => r.name));
      const applied: string[] = [];
      for (const file of migrationFiles()) {
        if (done.has(file.name)) continue;
        await conn.transaction().execute(async (trx) => {
          // A migration may rewrite a large table: DB_STATEMENT_TIMEOUT_MS is for requests, not for this.
          if (handle.kind === 'postgres') await sql`set local statement_timeout = 0`.execute(trx);
          await sql.raw(readFileSync(file.path, 'utf8')).execute(trx);
          await sql`insert into schema_migrations (name) values (${file.name})`.execute(trx);
        });
        applied.push(file.name);
      }
      return applied;
    } finally {
      if (handle.kind === 'postgres') await sql`select pg_advisory_unlock(7341001)`.execute(conn);
    }
  });
}
