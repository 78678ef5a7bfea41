/**
 * A size-capped, least-recently-used memo for published catalog reads. `clear()` bumps a generation
 * so a read that started before a change cannot put its stale result back after the change.
 */
export class CatalogCache {
  private entries = new Map<string, unknown>();
  private generation = 0;

  constructor(private readonly maxEntries: number) {}

  async through<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.entries.has(key)) {
      const hit = this.entries.get(key) as T;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const started = this.generation;
    const value = await load();
    if (started === this.generation) {
      this.entries.set(key, value);
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
