import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import { recordRequestEvent } from '../platform/security/event-stream.ts';
import { edgeSecretMatches, readEdgeSecret } from './secret.ts';
import { readEdgeStatus, writeEdgeSeen } from './status-row.ts';
import { ingestWafLog } from './waf-log.ts';

export const WAF_LOG_TASK = 'waf-audit-log';
const wafLogEveryMs = 10_000;
/** The heartbeat is written at most this often per instance (a busy shop does not write once per request). */
const heartbeatWriteMs = 30_000;

export interface Edge {
  /** The secret's digest, when EDGE_SECRET_FILE is set. */
  secret: Buffer | null;
  /** A request came through the proxy with the right secret. */
  seen(): void;
}

/**
 * Issue 14: the reverse proxy + WAF in front of the store. Reads the edge secret at start (a missing or short
 * secret stops the start), keeps the heartbeat, and with WAF_AUDIT_LOG reads ModSecurity's blocks into the
 * security events (one instance at a time, under the scheduler's lease).
 */
export function createEdge(ctx: AppContext): Edge {
  const secret = ctx.config.edgeSecretFile ? readEdgeSecret(ctx.config.edgeSecretFile) : null;
  let lastWritten = 0;
  const edge: Edge = {
    secret,
    seen() {
      const now = Date.now();
      if (now - lastWritten < heartbeatWriteMs) return;
      lastWritten = now;
      writeEdgeSeen(ctx.database.db, new Date(now)).catch((err) => ctx.log.warn({ err }, 'edge heartbeat not written'));
    },
  };
  const file = ctx.config.wafAuditLog;
  if (file) {
    ctx.scheduler.every(WAF_LOG_TASK, wafLogEveryMs, async () => {
      await ingestWafLog(ctx, file);
    }, { single: true });
  }
  return edge;
}

const unguardedPaths = new Set(['/healthz', '/readyz']);

/**
 * T1: with EDGE_REQUIRED=1 a request that did not come through the proxy + WAF (no or wrong secret header) is
 * refused with 403 (not 421: clients retry a 421 on their own) and recorded as `edge.bypass`. The header is removed before any handler or log sees it.
 * Health checks stay reachable for local monitoring (they reveal nothing without HEALTH_TOKEN).
 */
export function registerEdgeGuard(app: FastifyInstance, ctx: AppContext, edge: Edge): void {
  const secret = edge.secret;
  if (!secret) return;
  const header = ctx.config.edgeHeader;
  app.addHook('onRequest', async (req) => {
    // app.inject (the payment-page watcher renders pages in process): no socket, so not from the network.
    if ('_lightMyRequest' in req.raw) return;
    const presented = req.headers[header];
    delete req.headers[header];
    if (edgeSecretMatches(presented, secret)) {
      edge.seen();
      return;
    }
    if (!ctx.config.edgeRequired || unguardedPaths.has(req.url.split('?')[0]!)) return;
    // The socket's address, not X-Forwarded-For: a client that skipped the proxy wrote that header itself.
    recordRequestEvent(req, { kind: 'edge.bypass', outcome: 'refused', ip: req.socket.remoteAddress ?? undefined, detail: { method: req.method, secretPresented: presented !== undefined } });
    throw new AppError('edge_required');
  });
}

export interface EdgeHeartbeat {
  configured: boolean;
  lastEdgeAt: Date | null;
  wafLog: { path: string; readAt: Date | null; error: string | null } | null;
  blocked24h: number;
  bypass24h: number;
}

/** What the security overview's WAF light reads: the last request through the proxy, the audit log reader, 24 h counts. */
export async function edgeHeartbeat(ctx: AppContext, now = new Date()): Promise<EdgeHeartbeat> {
  const row = await readEdgeStatus(ctx.database.db);
  const since = new Date(now.getTime() - 24 * 3600_000);
  const counts = await ctx.database.db
    .selectFrom('security_event')
    .select([sql<number>`count(*) filter (where kind = 'waf.blocked')::int`.as('blocked'), sql<number>`count(*) filter (where kind = 'edge.bypass')::int`.as('bypass')])
    .where('at', '>=', since)
    .where('kind', 'in', ['waf.blocked', 'edge.bypass'])
    .executeTakeFirstOrThrow();
  const file = ctx.config.wafAuditLog;
  return {
    configured: Boolean(ctx.config.edgeSecretFile || file),
    lastEdgeAt: row?.last_edge_at ?? null,
    wafLog: file ? { path: file, readAt: row?.waf_log_path === file ? row.waf_log_read_at : null, error: row?.waf_log_path === file ? row.waf_log_error : null } : null,
    blocked24h: Number(counts.blocked),
    bypass24h: Number(counts.bypass),
  };
}
