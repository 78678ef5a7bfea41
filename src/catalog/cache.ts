/**
 * A size-capped, least-recently-used memo for published catalog reads, with a time limit as a backstop
 * in case a change notification is ever lost. `clear()` bumps a generation so a read that started
 * before a change cannot put its stale result back after the change.
 */
export class CatalogCache {
  private entries = new Map<string, { value: unknown; expires: number }>();
  private generation = 0;
  /** Loads under way: requests that miss the same key meanwhile wait for it (single flight, no stampede). */
  private inflight = new Map<string, { generation: number; promise: Promise<unknown> }>();
  /** Off until the change notifications are known to arrive (LISTEN established). */
  enabled = false;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  async through<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.enabled) return load();
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && hit.expires > Date.now()) {
      this.entries.set(key, hit);
      return hit.value as T;
    }
    const started = this.generation;
    const running = this.inflight.get(key);
    // A load that began before the last change may return stale data: only a load of this generation is shared.
    if (running && running.generation === started) return running.promise as Promise<T>;
    const promise = load().then(
      (value) => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
        if (started === this.generation) {
          this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
          // Bounded so arbitrary search keywords cannot grow memory without limit.
          while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
        }
        return value;
      },
      (err: unknown) => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, { generation: started, promise });
    return promise;
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
    this.inflight.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
