import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// Loaded only when REDIS_URL is set: a single-instance store does not carry the client in memory.
const loadIoredis = () => createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
import type { AppContext } from './context.ts';

/**
 * One Redis client per app instance, created on first use from REDIS_URL and connected lazily (a
 * store without REDIS_URL never loads a connection). Short timeouts: callers that can fall back
 * (the login throttle falls back to in-memory counters) must learn quickly that Redis is gone
 * instead of holding a sign-in request open.
 */
const clients = new WeakMap<AppContext, Redis>();

export function redisFor(ctx: AppContext): Redis | null {
  const url = ctx.config.redisUrl;
  if (!url) return null;
  let client = clients.get(ctx);
  if (!client) {
    const { Redis: RedisClient } = loadIoredis();
    client = new RedisClient(url, {
      lazyConnect: true,
      connectTimeout: 2000,
      commandTimeout: 1000,
      maxRetriesPerRequest: 1,
      // Never reconnect faster than every 2 s; keep trying in the background.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Without a listener an unreachable Redis would crash the process ("Unhandled error event").
    client.on('error', (err) => ctx.log.warn({ err: err.message }, 'redis error'));
    clients.set(ctx, client);
  }
  return client;
}

/** Closes this instance's client at shutdown (no-op when Redis was never used). */
export async function closeRedis(ctx: AppContext): Promise<void> {
  const client = clients.get(ctx);
  if (!client) return;
  clients.delete(ctx);
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
