import type { FastifyInstance } from 'fastify';
import { buildApp, createServices } from '../app.ts';
import { seedDemoCatalog } from '../catalog/seed.ts';
import type { Services } from '../services.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase, type DatabaseHandle } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { JobRunner } from './jobs/queue.ts';
import { Scheduler } from './jobs/scheduler.ts';
import { createLogger } from './logger.ts';
import { registerMailDelivery } from './mail/mailer.ts';
import { closeRedis } from './redis.ts';
import type { Logger } from 'pino';
import { openVault } from '../vault/index.ts';
import { startSandboxGateway, type SandboxGateway } from '../../sandbox-gateway/server.ts';

export interface RunningStore {
  app: FastifyInstance;
  ctx: AppContext;
  services: Services;
  url: string;
  setupUrl: string | null;
  /** The sandbox card gateway, when PAYMENT_PROVIDER=sandbox (its own server, origin and state). */
  gateway: SandboxGateway | null;
  close(): Promise<void>;
}

/** Opens the database, migrates, seeds the demo when asked, and serves the store. */
export async function startStore(
  config: Config,
  opts: { memoryDb?: boolean; logger?: Logger; listen?: boolean; /** tests: a second app instance on an already open embedded database */ database?: DatabaseHandle } = {},
): Promise<RunningStore> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const database = opts.database ?? (await openDatabase(config, { memory: opts.memoryDb ?? false }));
  await migrate(database);
  // T1/T3: a wrong or missing master key stops the start here, before any personal data is read or written.
  const vault = await openVault(config, database);
  const jobs = new JobRunner(database, log);
  const scheduler = new Scheduler(database, log);
  const ctx: AppContext = { config, database, db: database.db, log, jobs, scheduler, vault };
  const mail = registerMailDelivery(database.db, jobs, { smtpUrl: config.smtpUrl, from: config.mailFrom });
  if (config.seedDemo) {
    const created = await seedDemoCatalog(database.db);
    if (created > 0) log.info({ products: created }, 'demo catalog loaded');
  }
  // The sandbox gateway listens on its own port and shares nothing with the store but HTTP (like Stripe).
  const gateway = config.paymentProvider === 'sandbox' && opts.listen !== false
    ? await startSandboxGateway({ port: config.sandboxGatewayPort, host: config.host, secretKey: config.stripeSecretKey, webhookSecret: config.stripeWebhookSecret, webhookUrl: () => `${config.publicUrl}/webhooks/stripe` })
    : null;
  if (gateway) config.sandboxGatewayUrl = gateway.url;
  const services = createServices(ctx);
  const app = await buildApp(ctx, services);
  await jobs.start();
  let url = config.publicUrl;
  if (opts.listen !== false) {
    const address = await app.listen({ port: config.port, host: config.host });
    if (config.port === 0) url = address.replace('127.0.0.1', 'localhost');
  } else {
    await app.ready();
  }
  const setupToken = await services.identity.ensureSetupToken();
  return {
    app,
    ctx,
    services,
    url,
    gateway,
    setupUrl: setupToken ? `${url}/admin/setup?token=${setupToken}` : null,
    async close() {
      await app.close();
      await gateway?.close();
      await scheduler.stop();
      await jobs.stop();
      mail.close();
      await closeRedis(ctx);
      await vault.close();
      if (!opts.database) await database.close();
    },
  };
}
