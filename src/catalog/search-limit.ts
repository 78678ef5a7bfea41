import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { MemoryCounterStore, RedisCounterStore, type CounterStore } from '../platform/throttle/counter-store.ts';
import { ipBucket } from '../platform/http/networks.ts';
import { t } from './messages.ts';

/**
 * Searches per network (IPv4 address or IPv6 /64) per window: a searcher cannot keep the database
 * busy with varied queries. With Redis (`shared`) every instance of the store counts together, so
 * N instances do not mean N times the rate; when Redis does not answer, each instance falls back to
 * its own counters (RedisCounterStore). Without Redis the count is this instance's. Cached answers
 * still count, so the limit does not depend on what happens to be cached. `max` and `windowMs` may
 * be changed at run time (tests, bench).
 */
export class SearchLimiter {
  private counters: CounterStore;
  private generation = 0;

  constructor(
    public max = 120,
    public windowMs = 60_000,
    /** Redis and a namespace of this store (two stores on one Redis never share counts). */
    private readonly shared?: { redis: Redis; namespace: string; log: Logger },
  ) {
    this.counters = this.newStore();
  }

  private newStore(): CounterStore {
    return this.shared ? new RedisCounterStore(this.shared.redis, this.shared.log) : new MemoryCounterStore(50_000);
  }

  /** Forgets every count (tests, bench). */
  reset(): void {
    this.generation += 1;
    this.counters = this.newStore();
  }

  /** The counter's key; in Redis the network is an HMAC under the store's namespace, so no client address sits there in clear. */
  private key(ip: string): string {
    if (!this.shared) return `search:${ipBucket(ip)}`;
    const mac = createHmac('sha256', this.shared.namespace).update(`${this.generation}\0${ipBucket(ip)}`).digest('base64url').slice(0, 22);
    return `omamori:search:${mac}`;
  }

  async check(ip: string, locale: Locale): Promise<void> {
    const key = this.key(ip);
    const [count] = await this.counters.incr([{ key, windowMs: this.windowMs, sliding: false }]);
    if ((count ?? 0) <= this.max) return;
    const [state] = await this.counters.read([key]);
    const seconds = Math.max(1, Math.ceil((state?.ttlMs ?? this.windowMs) / 1000));
    throw new AppError('rate_limited', { message: t(locale, 'searchRateLimited', { seconds }), headers: { 'retry-after': String(seconds) } });
  }
}

/** Redis for the search rate when REDIS_URL is set; the namespace is this store's database (its instances share it). */
export function searchRateShared(ctx: AppContext): { redis: Redis; namespace: string; log: Logger } | undefined {
  const redis = ctx.redis;
  return redis ? { redis, namespace: `omamori-search:${ctx.config.databaseUrl ?? ctx.config.dataDir}`, log: ctx.log } : undefined;
}
