import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AppContext } from '../platform/context.ts';
import { redisFor } from '../platform/redis.ts';
import type { Threshold } from './config.ts';

/**
 * Counters in a window, from rate-limiter-flexible: in Redis with REDIS_URL (shared by every
 * instance, under the store's key prefix), else in this process's memory.
 */
export function counter(ctx: AppContext, prefix: string, name: string, t: Threshold): RateLimiterAbstract {
  const redis = redisFor(ctx);
  const opts = { keyPrefix: `${prefix}c:${name}`, points: 1_000_000_000, duration: t.windowSeconds };
  return redis ? new RateLimiterRedis({ ...opts, storeClient: redis }) : new RateLimiterMemory(opts);
}

export async function count(limiter: RateLimiterAbstract, key: string): Promise<number> {
  return (await limiter.consume(key, 1)).consumedPoints;
}

/**
 * At most one call per key and interval on this instance: a detector past its threshold sees every
 * further event, but raises its alert once (not once per request); other instances add their one.
 */
export function oncePer(intervalMs: number): (key: string) => boolean {
  const last = new Map<string, number>();
  return (key) => {
    const now = Date.now();
    if (now - (last.get(key) ?? -Infinity) < intervalMs) return false;
    if (last.size > 10_000) last.clear();
    last.set(key, now);
    return true;
  };
}
