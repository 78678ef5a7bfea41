import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface HealthOptions {
  /** Takes a pool connection and runs `select 1`; must settle (or is abandoned) within timeoutMs. */
  check: () => Promise<void>;
  timeoutMs: number;
  /** What monitoring may read: reasons, database kind, pool figures (never a path or a secret). */
  details: () => Record<string, unknown>;
  /** HEALTH_TOKEN: `Authorization: Bearer <token>` reads the details. */
  token: string | undefined;
  /** SIGTERM received: the instance leaves rotation while it drains. */
  draining: () => boolean;
}

const digest = (v: string) => createHash('sha256').update(v).digest();

/**
 * `/healthz` and `/readyz`: 200 when a pool connection can be had and answers within timeoutMs, else 503, so a load
 * balancer takes an instance in trouble out of rotation. The public gets ok / not ok only; the reasons (e.g. why card
 * checkout is off) go to monitoring with the token or from loopback (issue 10: they tell an attacker what broke).
 */
export function registerHealthRoutes(app: FastifyInstance, opts: HealthOptions): void {
  const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const problem = opts.draining() ? 'draining' : await probe(opts);
    reply.code(problem ? 503 : 200).header('cache-control', 'no-store');
    if (problem) reply.header('retry-after', '5');
    const status = problem ? 'unavailable' : 'ok';
    if (!privileged(req, opts.token)) return reply.send({ status });
    return reply.send({ status, ...(problem ? { reason: problem } : {}), ...opts.details() });
  };
  app.get('/healthz', handler);
  app.get('/readyz', handler);
}

async function probe(opts: HealthOptions): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('database_timeout'), opts.timeoutMs);
  });
  try {
    return await Promise.race([opts.check().then(() => null), timeout]);
  } catch {
    return 'database_unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/** Monitoring: the bearer token (compared in constant time), or a loopback client not relayed by a proxy. */
function privileged(req: FastifyRequest, token: string | undefined): boolean {
  const auth = req.headers.authorization;
  if (token && auth?.startsWith('Bearer ')) return timingSafeEqual(digest(auth.slice(7).trim()), digest(token));
  // T4: a reverse proxy on this host connects from loopback for every visitor; a relayed request is never "local".
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) return false;
  const address = req.socket.remoteAddress ?? '';
  return isLoopback(address);
}

function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}
