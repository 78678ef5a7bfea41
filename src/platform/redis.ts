import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// Loaded only when REDIS_URL is set: a single-instance store does not carry the client in memory.
const loadIoredis = () => createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
import type { Logger } from 'pino';
import type { AppContext } from './context.ts';

/**
 * The store's Redis client, opened by boot from REDIS_URL and carried on the app context (`ctx.redis`); null
 * without REDIS_URL (a store without it never loads a connection). Connected lazily, short timeouts: callers
 * that can fall back (the login throttle falls back to in-memory counters) must learn quickly that Redis is
 * gone instead of holding a sign-in request open.
 */
export function openRedis(url: string | undefined, log: Pick<Logger, 'warn'>): Redis | null {
  if (!url) return null;
  const { Redis: RedisClient } = loadIoredis();
  const client = new RedisClient(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    // Never reconnect faster than every 2 s; keep trying in the background.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Without a listener an unreachable Redis would crash the process ("Unhandled error event").
  client.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  return client;
}

/** Closes the context's client at shutdown (no-op without Redis). */
export async function closeRedis(ctx: Pick<AppContext, 'redis'>): Promise<void> {
  const client = ctx.redis;
  if (!client) return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
