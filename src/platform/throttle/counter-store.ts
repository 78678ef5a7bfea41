import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A counter or a block: its value and how long it still lives (0 and 0 when absent). */
export interface CounterState {
  count: number;
  ttlMs: number;
}

/**
 * Where the login throttle keeps its counters. Each operation is atomic per key; Redis runs each
 * one as a single script or pipeline, so all app instances see one set of counters.
 */
export interface CounterStore {
  /** Adds one to each counter and returns the new values. A new counter lives `windowMs`; a `sliding` one is re-armed on every hit. */
  incr(items: ReadonlyArray<{ key: string; windowMs: number; sliding: boolean }>): Promise<number[]>;
  read(keys: readonly string[]): Promise<CounterState[]>;
  /** Makes `key` live at least `ms` from now (a block that only ever gets longer). */
  extend(key: string, ms: number): Promise<void>;
  /** Sets a flag for `ms` unless it is already set; true when this call set it. */
  flag(key: string, ms: number): Promise<boolean>;
  del(keys: readonly string[]): Promise<void>;
}

/**
 * In-process counters for a single instance (no REDIS_URL). Bounded: past `maxEntries` the expired
 * entries are swept, then the least recently touched ones are dropped, so a flood of distinct
 * accounts or addresses cannot exhaust memory.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly entries = new Map<string, { count: number; expiresAt: number }>();

  constructor(private readonly maxEntries = 100_000, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  private live(key: string) {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private put(key: string, value: { count: number; expiresAt: number }) {
    this.entries.delete(key); // re-insert: Map order is then "least recently touched first"
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(key, value);
  }

  private evict() {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    const excess = this.entries.size - Math.floor(this.maxEntries * 0.9);
    if (excess <= 0) return;
    let n = 0;
    for (const k of this.entries.keys()) {
      if (n++ >= excess) break;
      this.entries.delete(k);
    }
  }

  async incr(items: ReadonlyArray<{ key: string; windowMs: number; sliding: boolean }>): Promise<number[]> {
    const now = this.now();
    return items.map(({ key, windowMs, sliding }) => {
      const e = this.live(key);
      const count = (e?.count ?? 0) + 1;
      this.put(key, { count, expiresAt: !e || sliding ? now + windowMs : e.expiresAt });
      return count;
    });
  }

  async read(keys: readonly string[]): Promise<CounterState[]> {
    const now = this.now();
    return keys.map((k) => {
      const e = this.live(k);
      return e ? { count: e.count, ttlMs: e.expiresAt - now } : { count: 0, ttlMs: 0 };
    });
  }

  async extend(key: string, ms: number): Promise<void> {
    const e = this.live(key);
    const until = this.now() + ms;
    if (!e || e.expiresAt < until) this.put(key, { count: 1, expiresAt: until });
  }

  async flag(key: string, ms: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, { count: 1, expiresAt: this.now() + ms });
    return true;
  }

  async del(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
  }
}

const incrScript = `
local out = {}
for i, k in ipairs(KEYS) do
  local n = redis.call('INCR', k)
  if n == 1 or ARGV[2 * i] == '1' then redis.call('PEXPIRE', k, ARGV[2 * i - 1]) end
  out[i] = n
end
return out`;

const extendScript = `
local t = redis.call('PTTL', KEYS[1])
if t < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/**
 * Counters in Redis, shared by every app instance. When Redis does not answer, each instance falls
 * back to its own in-memory counters (logged) rather than letting every attempt through or refusing
 * every sign-in: brute force stays throttled per instance, and customers can still sign in.
 */
export class RedisCounterStore implements CounterStore {
  private readonly fallback = new MemoryCounterStore();
  private lastWarning = 0;
  /** After an error, Redis is left alone for a few seconds (circuit breaker): no sign-in waits on timeouts. */
  private downUntil = 0;

  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly retryAfterMs = 5000) {}

  private async guarded<T>(op: string, viaRedis: () => Promise<T>, viaMemory: () => Promise<T>): Promise<T> {
    if (Date.now() < this.downUntil) return viaMemory();
    try {
      return await viaRedis();
    } catch (err) {
      this.downUntil = Date.now() + this.retryAfterMs;
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.log.warn({ err: (err as Error).message, op }, 'login throttle: Redis unavailable, using this instance\'s in-memory counters');
      }
      return viaMemory();
    }
  }

  incr(items: ReadonlyArray<{ key: string; windowMs: number; sliding: boolean }>): Promise<number[]> {
    return this.guarded(
      'incr',
      async () => {
        const argv = items.flatMap((i) => [String(Math.ceil(i.windowMs)), i.sliding ? '1' : '0']);
        const res = (await this.redis.eval(incrScript, items.length, ...items.map((i) => i.key), ...argv)) as number[];
        return res.map(Number);
      },
      () => this.fallback.incr(items),
    );
  }

  read(keys: readonly string[]): Promise<CounterState[]> {
    return this.guarded(
      'read',
      async () => {
        const pipeline = this.redis.pipeline();
        for (const k of keys) pipeline.get(k).pttl(k);
        const res = await pipeline.exec();
        if (!res) throw new Error('pipeline aborted');
        for (const [err] of res) if (err) throw err;
        const shared = keys.map((_, i) => {
          const count = Number(res[2 * i]![1] ?? 0) || 0;
          const ttl = Number(res[2 * i + 1]![1]);
          return count > 0 && ttl > 0 ? { count, ttlMs: ttl } : { count: 0, ttlMs: 0 };
        });
        // A block this instance set while Redis was away still holds after Redis returns (nothing is forgotten
        // by the outage); outside an outage the in-memory counters are empty and this costs a map lookup.
        const local = await this.fallback.read(keys);
        return shared.map((r, i) => (local[i]!.count > 0 ? { count: Math.max(r.count, local[i]!.count), ttlMs: Math.max(r.ttlMs, local[i]!.ttlMs) } : r));
      },
      () => this.fallback.read(keys),
    );
  }

  extend(key: string, ms: number): Promise<void> {
    return this.guarded(
      'extend',
      async () => void (await this.redis.eval(extendScript, 1, key, String(Math.ceil(ms)))),
      () => this.fallback.extend(key, ms),
    );
  }

  flag(key: string, ms: number): Promise<boolean> {
    return this.guarded(
      'flag',
      async () => (await this.redis.set(key, '1', 'PX', Math.ceil(ms), 'NX')) === 'OK',
      () => this.fallback.flag(key, ms),
    );
  }

  del(keys: readonly string[]): Promise<void> {
    return this.guarded(
      'del',
      async () => {
        if (keys.length) await this.redis.del(...keys);
        await this.fallback.del(keys);
      },
      () => this.fallback.del(keys),
    );
  }
}
