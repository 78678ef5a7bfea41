import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { PGlitePool } from './pglite-pool.ts';
import { PgNotificationListener } from './pg-listener.ts';
import { dataDirHolder, lockDataDir } from './data-dir-lock.ts';
import { controlSocketPort, serveControlSocket } from './pglite-control-socket.ts';

export type Db = Kysely<Database>;
export type DbKind = 'pglite' | 'postgres';
type Listener = (payload: string) => void;

/** The store's database: a Kysely handle plus change notifications that reach every app instance. */
export interface DatabaseHandle {
  db: Db;
  kind: DbKind;
  /** Runs a multi-statement SQL script (migrations). */
  exec(script: string): Promise<void>;
  /** Subscribes to a NOTIFY channel; returns an unsubscribe function. */
  listen(channel: string, fn: Listener): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** Pool figures for monitoring (/healthz with the token): connections open, idle, and requests waiting for one. */
  stats?(): { size: number; idle: number; waiting: number };
  /**
   * With DATABASE_DIRECT_URL (DATABASE_URL is PgBouncer in transaction mode): a direct connection for work that holds a
   * session-level advisory lock across transactions (migrations, initial encryption). A pooler would run the unlock on
   * another server connection and leave the lock held.
   */
  sessionDb?: Db;
  /** The embedded database itself (PGlite only): backups take its data directory through the running store. */
  pglite?: Pick<import('@electric-sql/pglite').PGlite, 'dumpDataDir'>;
}

type Timeouts = Pick<Config, 'dbAcquireTimeoutMs' | 'dbStatementTimeoutMs' | 'dbIdleInTransactionTimeoutMs'>;
const defaultTimeouts: Timeouts = { dbAcquireTimeoutMs: 5000, dbStatementTimeoutMs: 30_000, dbIdleInTransactionTimeoutMs: 30_000 };

/**
 * Opens the store's database. On the embedded database (no DATABASE_URL) a data directory has one holder at a time
 * (DATA_DIR/omamori.lock): the store (`role: 'store'`) serves it to commands over DATA_DIR/control, and a command
 * started while the store runs goes through that socket instead of opening the directory.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'> & Partial<Timeouts> & { databaseDirectUrl?: string },
  opts: { memory?: boolean; /** an in-memory database starts as a copy of this dump (tests: an already migrated one) */ memoryFrom?: Blob; role?: 'store' | 'command' } = {},
): Promise<DatabaseHandle> {
  const given = Object.fromEntries(Object.entries(config).filter(([k, v]) => k in defaultTimeouts && v !== undefined)) as Partial<Timeouts>;
  // The embedded database has one connection that every query queues for: a longer default wait there.
  const timeouts: Timeouts = { ...defaultTimeouts, ...(config.databaseUrl ? {} : { dbAcquireTimeoutMs: 30_000 }), ...given };
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.databasePoolSize, timeouts, config.databaseDirectUrl);
  if (opts.memory) return openPGlite(undefined, timeouts, { loadDataDir: opts.memoryFrom });
  const role = opts.role ?? 'command';
  const holder = dataDirHolder(config.dataDir);
  if (holder?.role === 'store' && holder.socketDir && role === 'command') return openControlSocket(holder.socketDir, timeouts);
  mkdirSync(config.dataDir, { recursive: true });
  const lock = lockDataDir(config.dataDir, { role }); // throws DataDirBusy when another live process holds it
  try {
    return await openPGlite(join(config.dataDir, 'pgdata'), timeouts, { lock, serveFrom: role === 'store' ? config.dataDir : undefined });
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** A command's connection to the running store's embedded database, through the store's control socket. */
async function openControlSocket(socketDir: string, t: Timeouts): Promise<DatabaseHandle> {
  const pg = (await import('pg')).default;
  pg.types.setTypeParser(20, (v: string) => Number(v));
  // One connection: the store's database has one session, and the socket queues each statement behind the store's.
  // No session settings are sent (they would change the store's own session).
  const pool = new pg.Pool({ host: socketDir, port: controlSocketPort, user: 'postgres', database: 'template1', max: 1, connectionTimeoutMillis: t.dbAcquireTimeoutMs });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    async exec(script) {
      await pool.query(script);
    },
    // LISTEN on the store's one session would be the store's; a command gets no notifications (none needs one).
    listen: async () => async () => {},
    async close() {
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, max: number, t: Timeouts, directUrl?: string): Promise<DatabaseHandle> {
  const pg = (await import('pg')).default;
  // int8 (count, sum) as JS numbers: JPY amounts stay far below 2^53.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  // Every wait is bounded (README "Timeouts and overload"): a connection that cannot be had, a statement that runs on,
  // or a transaction left idle by the application turns into an error (503 busy), never into a hung store.
  const serverTimeouts = {
    ...(t.dbStatementTimeoutMs ? { statement_timeout: t.dbStatementTimeoutMs } : {}),
    ...(t.dbIdleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: t.dbIdleInTransactionTimeoutMs } : {}),
  };
  // Through PgBouncer (DATABASE_DIRECT_URL set) no startup parameters: PgBouncer refuses ones it does not know. The
  // same bounds are then PgBouncer's query_timeout and idle_transaction_timeout (README "Where one database is not
  // enough"). pg sends unnamed statements (no PREPARE), which transaction pooling allows.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: t.dbAcquireTimeoutMs, ...(directUrl ? {} : serverTimeouts) });
  pool.on('error', () => {}); // an idle client's error must not crash the process; the next query reports it
  // A client checked out between two queries of a transaction has no listener of pg-pool's: when the server goes away
  // (restart, fail-over) its 'error' event would be an uncaught exception and take the process down. The query in
  // progress still gets the error, and pg-pool drops the broken client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // LISTEN needs a session of its own: through a transaction-mode pooler the notifications would not come back.
  const listener = new PgNotificationListener(pg.Client, directUrl ?? url);
  const directPool = directUrl ? new pg.Pool({ connectionString: directUrl, max: 2, connectionTimeoutMillis: t.dbAcquireTimeoutMs, ...serverTimeouts }) : undefined;
  directPool?.on('error', () => {});
  const sessionDb = directPool ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: directPool }) }) : undefined;
  return {
    db,
    kind: 'postgres',
    async exec(script) {
      await pool.query(script);
    },
    listen: (channel, fn) => listener.listen(channel, fn),
    stats: () => ({ size: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    ...(sessionDb ? { sessionDb } : {}),
    async close() {
      await listener.close();
      await sessionDb?.destroy();
      await db.destroy();
    },
  };
}

/** An embedded database with the extensions the migrations use; every PGlite the store opens comes from here. */
export async function createPGlite(opts: { dataDir?: string; loadDataDir?: Blob } = {}): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  // Catalog search's trigram indexes (PostgreSQL ships pg_trgm in contrib; PGlite as a separate import).
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return PGlite.create({ ...opts, extensions: { pg_trgm } });
}

async function openPGlite(
  dir: string | undefined,
  t: Timeouts,
  opts: { lock?: ReturnType<typeof lockDataDir>; serveFrom?: string; loadDataDir?: Blob } = {},
): Promise<DatabaseHandle> {
  if (dir) mkdirSync(dir, { recursive: true });
  const pglite = await createPGlite(dir ? { dataDir: dir } : opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  const pool = new PGlitePool(pglite, { acquireTimeoutMs: t.dbAcquireTimeoutMs });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as never }) });
  // NOTIFYs sent by a command's transaction on the control socket reach the store's listeners through here.
  const listeners = new Map<string, Set<Listener>>();
  let control: Awaited<ReturnType<typeof serveControlSocket>> | null = null;
  if (opts.serveFrom) {
    try {
      control = await serveControlSocket({
        dataDir: opts.serveFrom,
        pglite,
        pool,
        idleInTransactionMs: t.dbIdleInTransactionTimeoutMs || 30_000,
        notify: (channel, payload) => listeners.get(channel)?.forEach((fn) => fn(payload)),
      });
      opts.lock?.update({ role: 'store', socketDir: control.dir });
    } catch (err) {
      // The store still runs (e.g. a DATA_DIR path too long for a Unix socket, over 107 bytes); commands then say the
      // data directory is held by the running store instead of reaching it.
      process.emitWarning(`omamori commands cannot reach this store's embedded database: could not serve ${opts.serveFrom}/control (${(err as Error).message})`);
    }
  }
  return {
    db,
    kind: 'pglite',
    pglite,
    async exec(script) {
      const conn = await pool.connect();
      try {
        await pglite.exec(script);
      } finally {
        conn.release();
      }
    },
    async listen(channel, fn) {
      const set = listeners.get(channel) ?? new Set<Listener>();
      listeners.set(channel, set.add(fn));
      const unlisten = await pglite.listen(channel, fn);
      return async () => {
        set.delete(fn);
        await unlisten();
      };
    },
    stats: () => pool.stats(),
    async close() {
      await control?.close();
      await db.destroy();
      opts.lock?.release();
    },
  };
}

/** Sends a notification that is delivered when the surrounding transaction commits. */
export async function notify(db: Db, channel: string, payload = ''): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}
