import type { PGlite } from '@electric-sql/pglite';
import { PoolAcquireTimeout } from './overload.ts';

/**
 * Presents one embedded PGlite database as the `pg.Pool` shape that Kysely's PostgresDialect
 * expects. PGlite has a single connection, so `connect()` hands it out to one holder at a time:
 * a transaction keeps it until it commits, and every other query waits its turn.
 */
export class PGlitePool {
  private queue: Array<() => void> = [];
  private held = false;

  private readonly acquireTimeoutMs: number;

  constructor(
    private readonly pglite: PGlite,
    opts: { acquireTimeoutMs?: number } = {},
  ) {
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 30_000;
  }

  async connect() {
    await this.acquire();
    const pglite = this.pglite;
    let released = false;
    return {
      query: async (sql: string, params: readonly unknown[] = []) => {
        const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
        if (params.length === 0 && /;\s*\S/.test(sql)) {
          // A parameterless script of several statements (a migration) needs the simple protocol.
          const results = await pglite.exec(sql);
          const last = results[results.length - 1];
          return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? 0, command };
        }
        const result = await pglite.query<Record<string, unknown>>(sql, params as unknown[]);
        return { rows: result.rows, rowCount: result.affectedRows ?? 0, command };
      },
      release: () => {
        if (released) return;
        released = true;
        this.releaseLock();
      },
    };
  }

  stats() {
    return { size: 1, idle: this.held ? 0 : 1, waiting: this.queue.length };
  }

  async end() {
    await this.pglite.close();
  }

  private acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      // The queue never hangs for ever: a waiter gives up after DB_ACQUIRE_TIMEOUT_MS (503 busy), as with pg's pool;
      // a query on the root handle inside a transaction (it would wait for that very transaction) fails the same way.
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((w) => w !== grant);
        reject(new PoolAcquireTimeout(this.acquireTimeoutMs));
      }, this.acquireTimeoutMs);
      timer.unref();
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      this.queue.push(grant);
    });
  }

  private releaseLock() {
    const next = this.queue.shift();
    if (next) next();
    else this.held = false;
  }
}
