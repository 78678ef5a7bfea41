import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { loadConfig, type Config } from '../src/platform/config.ts';
import { startStore, type RunningStore } from '../src/app/boot.ts';
import { migratedPGliteDump, migratedPostgresTemplate } from './db-template.ts';

/**
 * Which database the tests run on: OMAMORI_TEST_DB=postgres uses a fresh database created on
 * TEST_DATABASE_URL's server for each test file; anything else uses an in-memory PGlite.
 */
export const testDbKind: 'pglite' | 'postgres' = process.env.OMAMORI_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
/** DATABASE_POOL_SIZE from the environment (CI's pool-of-1 pass, issue 18); startTestStore reads it through loadConfig. */
export const testPoolSize: number | undefined = Number(process.env.DATABASE_POOL_SIZE) || undefined;
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore extends RunningStore {
  dataDir: string;
  /** Runs every queued job (mail) now. */
  drainJobs(): Promise<void>;
}

// Issue 12: a test store shares its process with test peers (SMTP, webhook receivers) and may run for minutes, so
// the background host and silence checks would alert on them; their tests call checkNow() themselves.
process.env.HOST_CHECK_SECONDS ??= '0';
process.env.SILENCE_CHECK_SECONDS ??= '0';

/** Starts a complete store on a random port with an empty database of its own. */
export async function startTestStore(opts: { seed?: boolean; config?: Partial<Config>; listen?: boolean; /** start a second app instance on this store's database */ sameDatabaseAs?: TestStore; /** instead of a silent logger (e.g. the production logger writing to a file) */ logger?: Logger } = {}): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-test-'));
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (opts.sameDatabaseAs) {
    databaseUrl = opts.sameDatabaseAs.ctx.config.databaseUrl;
  } else if (testDbKind === 'postgres') {
    const created = await createTestDatabase({ migrated: true });
    databaseUrl = created.url;
    dropDatabase = created.drop;
  }
  const config = loadConfig({ ...process.env, PORT: '0', DATA_DIR: dataDir, SEED_DEMO: opts.seed ? '1' : '0', DATABASE_URL: databaseUrl ?? '', LOG_LEVEL: 'silent', SMTP_URL: '', REDIS_URL: '' } as NodeJS.ProcessEnv, {
    databaseUrl,
    // a second instance must hold the same master key as the first, as production instances share one
    ...(opts.sameDatabaseAs ? { masterKeyFile: opts.sameDatabaseAs.ctx.config.masterKeyFile } : {}),
    smtpUrl: undefined,
    redisUrl: undefined,
    // Test clients all come from 127.0.0.1 and most share one checkout e-mail (validForm), and flash-sale and card-testing
    // tests place dozens of unpaid orders on purpose: the unpaid-order limits are off here unless a test turns them on
    // (src/checkout/unpaid-order-limit.test.ts runs with the production defaults; README "Unpaid-order limits").
    unpaidOrderLimits: { ...loadConfig({}).unpaidOrderLimits, perEmail: 0, perCustomer: 0, perCart: 0, perNetwork: 0 },
    ...opts.config,
  });
  // On PostgreSQL a second instance opens its own pool and listener, as it would in production; the embedded
  // database lives in one process, so there the second instance shares its handle.
  const shared = opts.sameDatabaseAs && testDbKind === 'pglite' ? { database: opts.sameDatabaseAs.ctx.database } : {};
  // A new in-memory database starts as a copy of a migrated one (test/db-template.ts): seconds less per test store.
  const memoryDbFrom = testDbKind === 'pglite' && !opts.sameDatabaseAs ? await migratedPGliteDump() : undefined;
  const store = await startStore(config, { memoryDb: true, memoryDbFrom, logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), listen: opts.listen ?? true, ...shared });
  if (config.port === 0 && opts.listen !== false) {
    const address = store.app.server.address();
    if (address && typeof address === 'object') {
      store.url = `http://localhost:${address.port}`;
      store.ctx.config.publicUrl = store.url;
    }
  }
  return {
    ...store,
    dataDir,
    drainJobs: () => store.ctx.jobs.drain(),
    async close() {
      await store.close();
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new database on TEST_DATABASE_URL's server: empty, or (`migrated`) a copy of the migrated template. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `omamori_t_${randomBytes(6).toString('hex')}`;
  const template = opts.migrated ? await migratedPostgresTemplate(testDatabaseUrl) : undefined;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  await admin.end();
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
