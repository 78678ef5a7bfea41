import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import type { Db, DbKind } from '../platform/db/database.ts';
import type { Database } from '../platform/db/schema.ts';

/** PostgreSQL stops a search after this long (statement_timeout of the search connections); PGlite bounds terms instead. */
export const searchBudgetMs = 2000;

/** Where searches run. */
export interface SearchDb {
  db: Db;
  kind: DbKind;
  close(): Promise<void>;
}

/**
 * Availability (issue 19): on PostgreSQL searches get a small pool of their own whose connections carry
 * `statement_timeout` from the start, so the time budget costs no transaction and no extra round trip,
 * and searches can never hold the connections checkout needs. PGlite has no timer (and one connection):
 * there searches use the store's database and the bound is on terms (5 of at most 50 characters).
 */
export function openSearchDb(opts: { kind: DbKind; db: Db; databaseUrl?: string | undefined; poolSize: number; acquireTimeoutMs: number; budgetMs?: number }): SearchDb {
  if (opts.kind !== 'postgres' || !opts.databaseUrl) return { db: opts.db, kind: opts.kind, close: async () => {} };
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.acquireTimeoutMs,
    statement_timeout: Math.max(1, Math.trunc(opts.budgetMs ?? searchBudgetMs)),
    // Idle search connections go away, and never keep the process alive.
    idleTimeoutMillis: 30_000,
    allowExitOnIdle: true,
  });
  pool.on('error', () => {}); // an idle client's error must not crash the process; the next search reports it
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatements(pool) }) });
  let closed: Promise<void> | undefined;
  return { db, kind: 'postgres', close: () => (closed ??= db.destroy()) };
}

/**
 * Planning a search costs more than running it (measured on 100,000 products: about 3 ms to plan, 2 to
 * run). Search statements have a handful of shapes (the number of words decides the text; the words are
 * parameters), so each connection prepares each shape once, by a name derived from its text, and
 * PostgreSQL reuses the plan.
 */
function preparedStatements(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakSet<pg.PoolClient>();
  const named = (client: pg.PoolClient): pg.PoolClient => {
    if (wrapped.has(client)) return client;
    wrapped.add(client);
    const plain = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = (text: unknown, ...rest: unknown[]) =>
      typeof text === 'string' && rest.length === 1 && Array.isArray(rest[0])
        ? plain({ name: `search_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text, values: rest[0] })
        : plain(text, ...rest);
    return client;
  };
  return { connect: async () => named(await pool.connect()), end: () => pool.end() };
}

/** Search connections: half the store's pool, at least 2 and at most 8 (a search is one short statement). */
export function searchPoolSize(databasePoolSize: number): number {
  return Math.min(8, Math.max(2, Math.ceil(databasePoolSize / 2)));
}
