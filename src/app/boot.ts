import type { FastifyInstance } from 'fastify';
import { buildApp } from './routes.ts';
import { createServices } from './services.ts';
import { seedDemoCatalog } from '../catalog/seed.ts';
import type { Services } from '../services.ts';
import type { Config } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { openDatabase, type DatabaseHandle } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { JobRunner } from '../platform/jobs/queue.ts';
import { Scheduler } from '../platform/jobs/scheduler.ts';
import { createLogger } from '../platform/logger.ts';
import { cookiePolicy } from '../platform/http/cookies.ts';
import { registerMailDelivery, setMailSiteUrl } from '../platform/mail/mailer.ts';
import { ensureDkimKey } from '../platform/mail/dkim.ts';
import { closeRedis, openRedis } from '../platform/redis.ts';
import { closeSecurityEvents } from '../security-events/service.ts';
import type { Logger } from 'pino';
import { openVault } from '../vault/index.ts';
import { encryptedTables } from './encrypted-tables.ts';
import { bindVault } from '../vault/bound.ts';
import { encryptPlaintextAtStart } from '../vault/initial-encryption.ts';
import { startSandboxGateway, type SandboxGateway } from '../../sandbox-gateway/server.ts';
import { startKomojuSandbox, type KomojuSandbox } from '../../komoju-sandbox/server.ts';

export interface RunningStore {
  app: FastifyInstance;
  ctx: AppContext;
  services: Services;
  url: string;
  /** The admin console's base URL: its own listener with ADMIN_PORT, else the store's URL. */
  adminUrl: string;
  /** With ADMIN_PORT: the console's own application and listener (the public `app` then has no /admin). */
  adminApp: FastifyInstance | null;
  setupUrl: string | null;
  /** The sandbox card gateway, when PAYMENT_PROVIDER=sandbox (its own server, origin and state). */
  gateway: SandboxGateway | null;
  /** The KOMOJU sandbox, when PAYMENT_PROVIDER=sandbox and no KOMOJU key is given (its own server and origin). */
  komojuSandbox: KomojuSandbox | null;
  close(): Promise<void>;
}

/** Opens the database, migrates, seeds the demo when asked, and serves the store. */
export async function startStore(
  config: Config,
  opts: {
    memoryDb?: boolean; /** tests: the in-memory database starts from this dump of a migrated one */ memoryDbFrom?: Blob;
    logger?: Logger; listen?: boolean; /** tests: a second app instance on an already open embedded database */ database?: DatabaseHandle;
    /** deploy/scan only: the outside scanners' canary routes, never part of dist/main.js (issue 15) */
    testRoutes?: (app: FastifyInstance, ctx: AppContext) => void;
  } = {},
): Promise<RunningStore> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const database = opts.database ?? (await openDatabase(config, { memory: opts.memoryDb ?? false, memoryFrom: opts.memoryDbFrom, role: 'store' }));
  await migrate(database);
  // T1/T3: a wrong or missing master key stops the start here, before any personal data is read or written.
  const vault = await openVault(config, database, { refreshMs: config.vaultKeyRefreshMs });
  // Issue 18: every encrypted table's key exists and is cached before the first request, so no writer inside a
  // transaction ever needs the vault to query (a second pool connection).
  await vault.prepareScopes(encryptedTables.map((t) => t.table));
  // ctx.db carries the vault, so queueMail and enqueueJob encrypt wherever they are called from (issue 5).
  const db = bindVault(database.db, vault);
  // Under a session advisory lock: on the direct connection when DATABASE_URL is PgBouncer (sessionDb).
  await encryptPlaintextAtStart(vault, database.sessionDb ? bindVault(database.sessionDb, vault) : db, { kind: database.kind, log, tables: encryptedTables }); // rows written in plain text by older versions
  const jobs = new JobRunner(database, log, { vault, retryBaseMs: config.jobRetryBaseMs, retryMaxMs: config.jobRetryMaxMs });
  const scheduler = new Scheduler(database, log);
  const ctx: AppContext = { config, database, db, log, jobs, scheduler, vault, redis: openRedis(config.redisUrl, log) };
  setMailSiteUrl(() => config.publicUrl);
  // Issue 17: mail leaving the store is DKIM-signed; the first key is made at the first start with SMTP.
  if (config.smtpUrl) await ensureDkimKey(db, config.mailFrom);
  const mail = registerMailDelivery(db, jobs, { smtpUrl: config.smtpUrl, from: config.mailFrom });
  if (config.seedDemo) {
    const created = await seedDemoCatalog(database.db);
    if (created > 0) log.info({ products: created }, 'demo catalog loaded');
  }
  // The sandbox gateway listens on its own port and shares nothing with the store but HTTP (like Stripe).
  const gateway = config.paymentProvider === 'sandbox' && opts.listen !== false
    ? await startSandboxGateway({ port: config.sandboxGatewayPort, host: config.host, secretKey: config.stripeSecretKey, webhookSecret: config.stripeWebhookSecret, webhookUrl: () => `${config.publicUrl}/webhooks/stripe`, publicUrl: config.sandboxGatewayPublicUrl })
    : null;
  if (gateway) config.sandboxGatewayUrl = gateway.url;
  // Issue 11: beside it the KOMOJU sandbox, so a demo shop can choose KOMOJU (コンビニ決済, PayPay, Pay-easy) in its settings.
  const komojuSandbox = config.paymentProvider === 'sandbox' && !config.komojuApiUrl && config.komojuSecretKey && opts.listen !== false
    ? await startKomojuSandbox({ port: config.komojuSandboxPort, host: config.host, secretKey: config.komojuSecretKey, webhookSecret: config.komojuWebhookSecret, webhookUrl: () => `${config.publicUrl}/webhooks/komoju` })
    : null;
  if (komojuSandbox) {
    config.komojuApiUrl = komojuSandbox.apiUrl;
    config.komojuHostedOrigin = komojuSandbox.origin;
  }
  const services = createServices(ctx);
  await services.identity.prepare(); // e.g. TOTP secrets still in clear are encrypted before anything is served
  // T4: with ADMIN_PORT the console is its own application on its own listener (cookies and CSRF origin of that URL).
  const separateAdmin = config.adminPort !== undefined;
  const app = await buildApp(ctx, services, separateAdmin ? 'public' : 'all');
  opts.testRoutes?.(app, ctx);
  const adminApp = separateAdmin ? await buildApp(ctx, { ...services, cookies: cookiePolicy(config.adminUrl!) }, 'admin') : null;
  // Every long-lived service starts here, never from registering routes (issue 11); schedules: ./schedules.ts.
  services.integrity.start();
  services.integrity.attachPageWatch(app); // PCI DSS 11.6.1: the payment-page watcher starts once the server listens
  services.scripts.start();
  services.audit.start();
  await jobs.start();
  let url = config.publicUrl;
  if (opts.listen !== false) {
    const address = await app.listen({ port: config.port, host: config.host });
    if (config.port === 0) url = address.replace('127.0.0.1', 'localhost');
    if (adminApp) {
      const adminAddress = await adminApp.listen({ port: config.adminPort!, host: config.adminBind });
      if (config.adminPort === 0) config.adminUrl = adminAddress.replace('127.0.0.1', 'localhost');
    }
  } else {
    await app.ready();
    await adminApp?.ready();
  }
  const adminUrl = config.adminUrl ?? url;
  const setupToken = await services.identity.ensureSetupToken();
  return {
    app,
    ctx,
    services,
    url,
    adminUrl,
    adminApp,
    gateway,
    komojuSandbox,
    setupUrl: setupToken ? `${adminUrl}/admin/setup?token=${setupToken}` : null,
    async close() {
      // Issue 18 (SIGTERM): readiness answers 503 and new requests get 503 at once; in-flight requests may finish
      // for SHUTDOWN_GRACE_MS, then their connections are cut. Every later step is bounded too, so a stuck
      // transaction or an unreachable Redis cannot keep the store from closing.
      ctx.draining = true;
      const grace = config.shutdownGraceMs;
      const drained = await within(Promise.all([app.close(), adminApp?.close()]), grace);
      if (!drained) {
        log.warn({ graceMs: grace }, 'shutdown: requests still running after the grace period; closing their connections');
        for (const a of [app, adminApp]) a?.server.closeAllConnections();
      }
      const step = Math.max(1000, Math.min(5000, grace));
      await within(gateway?.close(), step);
      await within(komojuSandbox?.close(), step);
      await within(services.bans.close(), step);
      await within(services.audit.stop(), step);
      await within(scheduler.stop(), step);
      await within(jobs.stop(), step);
      await within(closeSecurityEvents(services.securityEvents), step); // the last batch of events, then the stream is detached
      mail.close();
      await within(closeRedis(ctx), step);
      await within(vault.close(), step);
      if (!opts.database && !(await within(database.close(), step))) log.warn('shutdown: the database did not close in time (a transaction still held a connection)');
    },
  };
}

/** Waits for `work` at most `ms`; true when it settled (a failure while closing counts as settled). */
async function within(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
