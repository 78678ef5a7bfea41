import { AppError } from '../platform/http/errors.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { MemoryCounterStore } from '../platform/throttle/counter-store.ts';
import { ipBucket } from '../platform/http/networks.ts';
import { t } from './messages.ts';

/**
 * Searches per network (IPv4 address or IPv6 /64) per window, counted on this instance: a searcher
 * cannot keep the database busy with varied queries. Cached answers still count, so the limit does
 * not depend on what happens to be cached. `max` and `windowMs` may be changed at run time (tests, bench).
 */
export class SearchLimiter {
  private counters = new MemoryCounterStore(50_000);

  constructor(
    public max = 120,
    public windowMs = 60_000,
  ) {}

  /** Forgets every count (tests, bench). */
  reset(): void {
    this.counters = new MemoryCounterStore(50_000);
  }

  async check(ip: string, locale: Locale): Promise<void> {
    const key = `search:${ipBucket(ip)}`;
    const [count] = await this.counters.incr([{ key, windowMs: this.windowMs, sliding: false }]);
    if ((count ?? 0) <= this.max) return;
    const [state] = await this.counters.read([key]);
    const seconds = Math.max(1, Math.ceil((state?.ttlMs ?? this.windowMs) / 1000));
    throw new AppError('rate_limited', { message: t(locale, 'searchRateLimited', { seconds }), headers: { 'retry-after': String(seconds) } });
  }
}
