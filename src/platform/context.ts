import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { DatabaseHandle, Db } from './db/database.ts';
import type { JobRunner } from './jobs/queue.ts';
import type { Scheduler } from './jobs/scheduler.ts';

/**
 * The store's vault as `AppContext` carries it. The platform names no domain (docs/architecture.md "Floors"): this
 * is a slot the vault fills by declaration merging in src/vault/vault.ts (`interface ContextVault extends Vault`),
 * the way domains add `req.customer` to Fastify's request. Platform code itself needs only `FieldSealer`
 * (platform/crypto/field-sealer.ts), which boot binds to `ctx.db`.
 */
export interface ContextVault {}

/** What every domain service is built from: configuration and shared infrastructure, nothing domain-specific. */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  log: Logger;
  jobs: JobRunner;
  /** Periodic tasks; register in a domain's service factory with ctx.scheduler.every(...) and list it in src/app/schedules.ts. */
  scheduler: Scheduler;
  /** Field encryption and blind indexes for personal data (principle 2); opened at start, after migrations. */
  vault: ContextVault;
  /** The shared Redis client with REDIS_URL (opened by boot, closed at shutdown), else null. */
  redis: Redis | null;
  /** Set on SIGTERM (boot's drain): /healthz and /readyz answer 503 so the load balancer stops sending traffic. */
  draining?: boolean;
}
