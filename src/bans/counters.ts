import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AppContext } from '../platform/context.ts';
import type { Threshold } from './config.ts';

/**
 * Counters in a window, from rate-limiter-flexible: in Redis with REDIS_URL (shared by every
 * instance, under the store's key prefix), else in this process's memory.
 */
export function counter(ctx: AppContext, prefix: string, name: string, t: Threshold): RateLimiterAbstract {
  const redis = ctx.redis;
  const opts = { keyPrefix: `${prefix}c:${name}`, points: 1_000_000_000, duration: t.windowSeconds };
  // A Redis command that times out (1 s) falls back to this instance's memory rather than losing the count.
  return redis ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) }) : new RateLimiterMemory(opts);
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

/**
 * Like oncePer, but across every instance when they share Redis (SET NX with the interval as expiry): two
 * instances past the same site-wide threshold raise one alert between them, not one each.
 */
export function oncePerShared(ctx: AppContext, prefix: string, intervalMs: number): (key: string) => Promise<boolean> {
  const local = oncePer(intervalMs);
  return async (key) => {
    if (!local(key)) return false;
    const redis = ctx.redis;
    if (!redis) return true;
    try {
      return (await redis.set(`${prefix}once:${key}`, '1', 'PX', intervalMs, 'NX')) === 'OK';
    } catch {
      return true; // Redis unreachable: better a second alert than none
    }
  };
}
