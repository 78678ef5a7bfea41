import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import { attachSecurityEventStream, bindRequestStream, detachSecurityEventStream, recordRequestEvent, SecurityEventStream } from '../platform/security/event-stream.ts';
import { LoginThrottledError } from '../platform/throttle/login-throttle.ts';
import { securityEventConfig, type SecurityEventConfig } from './config.ts';
import { deleteOldSecurityEvents, insertSecurityEvents } from './store.ts';

export const SECURITY_EVENT_RETENTION_TASK = 'security-event-retention';

/**
 * The store's security-event stream: emitters anywhere (`recordSecurityEvent(ctx | db | req, ...)`)
 * reach it, detectors subscribe to it, and it writes to `security_event` in batches. Events older than
 * SECURITY_EVENT_RETENTION_DAYS (400) are deleted by a daily job.
 */
export function createSecurityEvents(ctx: AppContext, cfg: SecurityEventConfig = securityEventConfig()): SecurityEventStream {
  const stream = new SecurityEventStream({
    write: (events) => insertSecurityEvents(ctx.database.db, events),
    log: ctx.log,
    subjectHash: (account) => ctx.vault.emailIndex(account),
    maxBuffer: cfg.maxBuffer,
  });
  attachSecurityEventStream(stream, [ctx, ctx.db, ctx.database.db, ctx.database]);
  ctx.scheduler.every(SECURITY_EVENT_RETENTION_TASK, 24 * 3600_000, async () => {
    const deleted = await deleteOldSecurityEvents(ctx.database.db, cfg.retentionDays);
    if (deleted) ctx.log.info({ deleted, days: cfg.retentionDays }, 'old security events deleted');
  });
  return stream;
}

/**
 * Root hooks of one HTTP application: every request carries the stream (so emitters need only `req`);
 * refusals that end in the error handler are recorded here rather than at each throw site.
 */
export function registerSecurityEventHooks(app: FastifyInstance, stream: SecurityEventStream): void {
  app.addHook('onRequest', async (req) => bindRequestStream(req, stream));
  app.addHook('onError', async (req, _reply, err) => {
    if (err instanceof LoginThrottledError) recordRequestEvent(req, { kind: 'auth.throttled', outcome: 'refused', detail: { route: req.routeOptions?.url ?? '', retryAfterSeconds: err.retryAfterSeconds } });
    else if (err instanceof AppError && err.code === 'forbidden') recordRequestEvent(req, { kind: 'access.permission_denied', outcome: 'refused', detail: { route: req.routeOptions?.url ?? '', method: req.method } });
  });
  app.addHook('onClose', async () => {
    await stream.flush().catch(() => {});
  });
}

/** Shutdown: the last batch is written and the stream detached (boot closes the database after). */
export async function closeSecurityEvents(stream: SecurityEventStream): Promise<void> {
  await stream.close();
  detachSecurityEventStream(stream);
}
