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

/**
 * Runs due jobs. Several app instances may run it at once: each job is claimed with
 * FOR UPDATE SKIP LOCKED and a lease, and retried with backoff when it fails.
 */
export class JobRunner {
  private handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
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

  register(kind: string, handler: JobHandler) {
    this.handlers.set(kind, handler);
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
      await this.running;
      if (!(await this.runOne()) && !this.running) return;
    }
  }

  private kick() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.runOne())) {}
        } while (this.again && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'job runner failed');
      } finally {
        this.running = undefined;
      }
    })();
  }

  private async runOne(): Promise<boolean> {
    const { db } = this.database;
    const job = await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('job')
        .select(['id', 'kind', 'payload', 'payload_sealed', 'attempts', 'max_attempts'])
        .where('status', '=', 'pending')
        .where('run_at', '<=', sql<Date>`now()`)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
        .orderBy('run_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return undefined;
      await trx
        .updateTable('job')
        .set({ locked_until: sql`now() + interval '5 minutes'`, attempts: sql`attempts + 1` })
        .where('id', '=', row.id)
        .execute();
      return row;
    });
    if (!job) return false;
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(await payloadOf(job, this.vault));
      await db.updateTable('job').set({ status: 'done', finished_at: new Date(), locked_until: null }).where('id', '=', job.id).execute();
    } catch (err) {
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
    return true;
  }
}
