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
