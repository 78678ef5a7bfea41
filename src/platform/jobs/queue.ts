import { sql } from 'kysely';
import type { Logger } from 'pino';
import { requireSealer, type FieldSealer } from '../crypto/field-sealer.ts';
import { notify, type DatabaseHandle, type Db } from '../db/database.ts';

export type JobHandler = (payload: Record<string, unknown>) => Promise<void>;

const channel = 'job_queued';

/**
 * Queues a job in the caller's transaction, so it exists exactly when the change that caused it commits.
 * T1 (side tables count too): every payload is sealed with the vault bound to `trx` (ctx.db), whatever the job
 * kind, so a new job that carries an e-mail address (a password-reset request) cannot leave it readable in a dump.
 */
export async function enqueueJob(trx: Db, kind: string, payload: Record<string, unknown>, runAt?: Date): Promise<void> {
  const vault = requireSealer(trx, 'enqueueJob');
  const id = await vault.nextRowId(trx, 'job');
  const sealed = await vault.encrypt({ table: 'job', column: 'payload_sealed', rowId: id }, JSON.stringify(payload));
  await trx.insertInto('job').values({ id, kind, payload: '{}', payload_sealed: sealed, run_at: runAt ?? new Date() }).execute();
  await notify(trx, channel);
}

/** The payload a handler gets: the sealed one decrypted (in memory), over any plain references. */
async function payloadOf(job: { id: number; payload: Record<string, unknown>; payload_sealed: string | null }, vault: FieldSealer | undefined): Promise<Record<string, unknown>> {
  if (job.payload_sealed === null) return job.payload;
  if (!vault) throw new Error(`job ${job.id}: sealed payload, but the job runner has no vault`);
  return { ...job.payload, ...JSON.parse(await vault.decrypt({ table: 'job', column: 'payload_sealed', rowId: job.id }, job.payload_sealed)) };
}

/**
 * A failure that says nothing about the job itself (the mail server is unreachable, a peer answered "try later"):
 * the job is retried with backoff for as long as it takes and never counts against its max_attempts, so an outage
 * of any length loses nothing (README "When a service goes away").
 */
export class TransientJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientJobError';
  }
}

/** Error messages are kept for staff; mail servers quote addresses in them, so those are removed. */
const redactAddresses = (message: string) => message.replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '[address]');

/** What a claimed job row holds. */
interface ClaimedJob {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  payload_sealed: string | null;
  attempts: number;
  max_attempts: number;
}

/**
 * Runs due jobs. Several app instances may run it at once: jobs are claimed with FOR UPDATE SKIP LOCKED and a
 * lease (several per transaction when slots are free), and retried with backoff when they fail. Each kind runs at
 * most `concurrency` jobs at a time in this instance (1 unless its handler was registered with more, e.g. mail.send:
 * a pooled SMTP transport keeps that many connections busy).
 */
export class JobRunner {
  private handlers = new Map<string, { handler: JobHandler; concurrency: number }>();
  private inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private again = false;
  private stopped = true;
  private unlisten: (() => Promise<void>) | undefined;

  private readonly pollMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly vault: FieldSealer | undefined;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly log: Logger,
    /** Retries wait retryBaseMs · 2^attempts, at most retryMaxMs (JOB_RETRY_BASE_MS, JOB_RETRY_MAX_MS). */
    opts: { vault?: FieldSealer; pollMs?: number; retryBaseMs?: number; retryMaxMs?: number } = {},
  ) {
    this.pollMs = opts.pollMs ?? 2000;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.retryMaxMs = opts.retryMaxMs ?? 600_000;
    this.vault = opts.vault;
  }

  /** `concurrency`: how many jobs of this kind may run at once in this instance (default 1). */
  register(kind: string, handler: JobHandler, opts: { concurrency?: number } = {}) {
    this.handlers.set(kind, { handler, concurrency: Math.max(1, Math.floor(opts.concurrency ?? 1)) });
  }

  async start() {
    this.stopped = false;
    this.unlisten = await this.database.listen(channel, () => this.kick());
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.timer);
    await this.unlisten?.();
    await this.running;
  }

  /** Runs every due job now; used by tests and at shutdown. */
  async drain(): Promise<void> {
    // Also wait for jobs the background loop has already claimed, so "drained" means done.
    for (;;) {
      if (this.running) {
        await this.running;
        continue;
      }
      const pass = (this.running = this.pump(true));
      let ran: boolean;
      try {
        ran = await pass;
      } finally {
        if (this.running === pass) this.running = undefined;
      }
      if (!ran) return;
    }
  }

  private kick() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const pass = (this.running = this.pump(false)
      .catch((err) => {
        this.log.error({ err }, 'job runner failed');
        return true;
      })
      .finally(() => {
        if (this.running === pass) this.running = undefined;
      }));
  }

  private limitOf(kind: string): number {
    return this.handlers.get(kind)?.concurrency ?? 1;
  }

  /** Claims and runs due jobs, up to each kind's concurrency, until none is due and none runs; true if any ran. */
  private async pump(force: boolean): Promise<boolean> {
    let ran = false;
    const active = new Set<Promise<void>>();
    try {
      for (;;) {
        this.again = false;
        const claimed = force || !this.stopped ? await this.claim() : [];
        for (const job of claimed) {
          ran = true;
          this.inFlight.set(job.kind, (this.inFlight.get(job.kind) ?? 0) + 1);
          const p: Promise<void> = this.run(job).finally(() => {
            active.delete(p);
            this.inFlight.set(job.kind, (this.inFlight.get(job.kind) ?? 1) - 1);
          });
          active.add(p);
        }
        if (claimed.length === 0 && !this.again) {
          if (active.size === 0) return ran;
          await Promise.race(active);
        } else if (claimed.length > 0 && this.freeSlots() === 0) await Promise.race(active);
      }
    } finally {
      await Promise.allSettled([...active]);
    }
  }

  private freeSlots(): number {
    let free = 0;
    for (const [kind, h] of this.handlers) free += Math.max(0, h.concurrency - (this.inFlight.get(kind) ?? 0));
    return free;
  }

  /** One transaction: the due jobs of kinds with a free slot, each leased for 5 minutes. */
  private async claim(): Promise<ClaimedJob[]> {
    const full = [...this.handlers.keys()].filter((k) => (this.inFlight.get(k) ?? 0) >= this.limitOf(k));
    const limit = this.freeSlots() + 1; // + 1: a job of a kind with no handler is claimed to be failed
    return this.database.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('job')
        .select(['id', 'kind', 'payload', 'payload_sealed', 'attempts', 'max_attempts'])
        .where('status', '=', 'pending')
        .where('run_at', '<=', sql<Date>`now()`)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]));
      if (full.length > 0) q = q.where('kind', 'not in', full);
      const rows = await q.orderBy('run_at').limit(limit).forUpdate().skipLocked().execute();
      // Within each kind's free slots; the rows left out are unlocked at commit, for this or another instance.
      const budget = new Map<string, number>();
      const picked = rows.filter((r) => {
        const left = budget.get(r.kind) ?? this.limitOf(r.kind) - (this.inFlight.get(r.kind) ?? 0);
        budget.set(r.kind, left - 1);
        return left > 0;
      });
      if (picked.length === 0) return [];
      await trx
        .updateTable('job')
        .set({ locked_until: sql`now() + interval '5 minutes'`, attempts: sql`attempts + 1` })
        .where('id', 'in', picked.map((r) => r.id))
        .execute();
      return picked as ClaimedJob[];
    });
  }

  /** Runs one claimed job and records the outcome; never throws (a job whose outcome cannot be written is run again after its lease). */
  private async run(job: ClaimedJob): Promise<void> {
    const { db } = this.database;
    const handler = this.handlers.get(job.kind)?.handler;
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(await payloadOf(job, this.vault));
      await db.updateTable('job').set({ status: 'done', finished_at: new Date(), locked_until: null }).where('id', '=', job.id).execute();
    } catch (err) {
      try {
        await this.failed(job, err);
      } catch (e) {
        this.log.error({ err: e, jobId: job.id, kind: job.kind }, 'job runner failed');
      }
    }
  }

  private async failed(job: ClaimedJob, err: unknown): Promise<void> {
    const { db } = this.database;
    const attempts = job.attempts + 1;
    const transient = err instanceof TransientJobError;
    const failed = !transient && attempts >= job.max_attempts;
    const delayMs = Math.min(2 ** Math.min(attempts, 30) * this.retryBaseMs, this.retryMaxMs);
    this.log.warn({ err, jobId: job.id, kind: job.kind, attempts, transient, retryInMs: failed ? null : delayMs }, 'job failed');
    await db
      .updateTable('job')
      .set({
        status: failed ? 'failed' : 'pending',
        last_error: redactAddresses(String((err as Error).message ?? err)).slice(0, 500),
        locked_until: null,
        run_at: new Date(Date.now() + delayMs),
      })
      .where('id', '=', job.id)
      .execute();
    // A retry due before the next poll is run on time.
    if (!failed && delayMs < this.pollMs) setTimeout(() => this.kick(), delayMs).unref();
  }
}
