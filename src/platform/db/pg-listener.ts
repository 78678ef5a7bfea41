import type pg from 'pg';

type Listener = (payload: string) => void;

/**
 * One dedicated PostgreSQL connection for LISTEN. If it drops, it reconnects with backoff,
 * listens again, and calls every listener with an empty payload: notifications may have been
 * missed while it was down, so caches must assume anything changed.
 */
export class PgNotificationListener {
  private listeners = new Map<string, Set<Listener>>();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  private retryMs = 500;
  /** pg runs one query at a time per client: LISTEN commands are queued. */
  private commands: Promise<unknown> = Promise.resolve();

  constructor(private readonly Client: typeof pg.Client, private readonly url: string) {}

  async listen(channel: string, fn: Listener): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new TypeError(`bad channel name: ${channel}`);
    let set = this.listeners.get(channel);
    const fresh = !set;
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(fn);
    const client = await this.connected();
    if (fresh) await this.command(client, `LISTEN "${channel}"`);
    return async () => {
      set.delete(fn);
    };
  }

  async close() {
    this.closed = true;
    await this.client?.end().catch(() => {});
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new this.Client({ connectionString: this.url });
    client.on('notification', (n) => this.listeners.get(n.channel)?.forEach((l) => l(n.payload ?? '')));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.listeners.keys()) await this.command(client, `LISTEN "${channel}"`);
    this.client = client;
    this.retryMs = 500;
    return client;
  }

  private command(client: pg.Client, text: string): Promise<unknown> {
    const next = this.commands.then(() => client.query(text));
    this.commands = next.catch(() => {});
    return next;
  }

  private lost(client: pg.Client) {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    const retry = () => {
      if (this.closed) return;
      this.connected().then(
        () => this.listeners.forEach((set) => set.forEach((l) => l(''))),
        () => {
          // At most 5 s: until it is back, this instance's caches miss every change made elsewhere.
          this.retryMs = Math.min(this.retryMs * 2, 5_000);
          setTimeout(retry, this.retryMs).unref();
        },
      );
    };
    setTimeout(retry, this.retryMs).unref();
  }
}
