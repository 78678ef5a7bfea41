import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { DatabaseHandle, Db } from './db/database.ts';
import type { JobRunner } from './jobs/queue.ts';
import type { Scheduler } from './jobs/scheduler.ts';
import type { Vault } from '../vault/index.ts';

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
  vault: Vault;
  /** The shared Redis client with REDIS_URL (opened by boot, closed at shutdown), else null. */
  redis: Redis | null;
  /** Set on SIGTERM (boot's drain): /healthz and /readyz answer 503 so the load balancer stops sending traffic. */
  draining?: boolean;
}
