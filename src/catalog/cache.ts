/**
 * A size-capped, least-recently-used memo for published catalog reads, with a time limit as a backstop
 * in case a change notification is ever lost. `clear()` bumps a generation so a read that started
 * before a change cannot put its stale result back after the change.
 */
export class CatalogCache {
  private entries = new Map<string, { value: unknown; expires: number }>();
  private generation = 0;
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
    const value = await load();
    if (started === this.generation) {
      this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
      // Bounded so arbitrary search keywords cannot grow memory without limit.
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    return value;
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
