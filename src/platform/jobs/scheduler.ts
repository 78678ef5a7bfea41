import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/database.ts';

export interface ScheduledTask {
  name: string;
  everyMs: number;
  /** Run at most once at a time across all app instances (a lease row in scheduler_lease on PostgreSQL). */
  single: boolean;
  run(): Promise<void>;
}

/**
 * Runs periodic tasks (scans, integrity checks, clean-ups). A `single` task takes a lease named after
 * it, so with several app instances only one runs it at a time; the others skip that round. Issue 18: a
 * lease row, not a session advisory lock, because holding the lock's connection while the task's own
 * queries wait for another one deadlocks a small or busy pool. The lease is renewed while the task runs
 * and expires by itself when its instance dies.
 */
export class Scheduler {
  private timers: NodeJS.Timeout[] = [];
  private tasks: ScheduledTask[] = [];
  private inFlight = new Set<Promise<void>>();
  private listeners: Array<(run: TaskRun) => void> = [];

  constructor(
    private readonly database: DatabaseHandle,
    private readonly log: Logger,
  ) {}

  every(name: string, everyMs: number, run: () => Promise<void>, opts: { single?: boolean; runAtStart?: boolean } = {}) {
    const task = { name, everyMs, single: opts.single ?? true, run };
    this.tasks.push(task);
    const timer = setInterval(() => this.trigger(task), everyMs);
    timer.unref();
    this.timers.push(timer);
    if (opts.runAtStart) this.trigger(task);
  }

  /** The registered tasks (name, interval, single), e.g. to check them against src/app/schedules.ts. */
  list(): Array<Pick<ScheduledTask, 'name' | 'everyMs' | 'single'>> {
    return this.tasks.map(({ name, everyMs, single }) => ({ name, everyMs, single }));
  }

  /** Called after each run of a task on this instance (ok or failed): heartbeats for the silence check. */
  onRun(listener: (run: TaskRun) => void) {
    this.listeners.push(listener);
  }

  private async runTask(task: ScheduledTask): Promise<void> {
    const at = new Date();
    try {
      await task.run();
      for (const l of this.listeners) l({ name: task.name, everyMs: task.everyMs, at, error: null });
    } catch (err) {
      for (const l of this.listeners) l({ name: task.name, everyMs: task.everyMs, at, error: (err as Error)?.message ?? String(err) });
      throw err;
    }
  }

  /** Runs a task now (tests, and commands that want an immediate round). */
  async runNow(name: string): Promise<void> {
    const task = this.tasks.find((t) => t.name === name);
    if (!task) throw new Error(`no scheduled task ${name}`);
    await this.execute(task);
  }

  async stop() {
    this.timers.forEach(clearInterval);
    this.timers = [];
    await Promise.allSettled([...this.inFlight]);
  }

  private trigger(task: ScheduledTask) {
    const p = this.execute(task).catch((err: unknown) => this.log.error({ err, task: task.name }, 'scheduled task failed'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private readonly holder = randomUUID();

  private async execute(task: ScheduledTask): Promise<void> {
    if (!task.single || this.database.kind === 'pglite') return this.runTask(task);
    const { db } = this.database;
    const got = await sql<{ name: string }>`
      insert into scheduler_lease (name, holder, expires_at) values (${task.name}, ${this.holder}, now() + make_interval(secs => ${LEASE_S}))
      on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at where scheduler_lease.expires_at < now()
      returning name`.execute(db);
    if (!got.rows.length) return;
    const renew = setInterval(() => {
      sql`update scheduler_lease set expires_at = now() + make_interval(secs => ${LEASE_S}) where name = ${task.name} and holder = ${this.holder}`.execute(db).catch(() => undefined);
    }, (LEASE_S * 1000) / 3);
    renew.unref();
    try {
      await this.runTask(task);
    } finally {
      clearInterval(renew);
      await sql`delete from scheduler_lease where name = ${task.name} and holder = ${this.holder}`.execute(db).catch(() => undefined);
    }
  }
}

export interface TaskRun {
  name: string;
  everyMs: number;
  at: Date;
  /** null: the run finished; else why it failed. */
  error: string | null;
}

/** Seconds a lease lasts without renewal (renewed every third of it while the task runs). */
const LEASE_S = 30;
