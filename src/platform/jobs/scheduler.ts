import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/database.ts';

export interface ScheduledTask {
  name: string;
  everyMs: number;
  /** Run at most once at a time across all app instances (PostgreSQL advisory lock). */
  single: boolean;
  run(): Promise<void>;
}

/**
 * Runs periodic tasks (scans, integrity checks, clean-ups). A `single` task takes a session-level
 * advisory lock named after it, so with several app instances only one runs it at a time; the
 * others skip that round.
 */
export class Scheduler {
  private timers: NodeJS.Timeout[] = [];
  private tasks: ScheduledTask[] = [];
  private inFlight = new Set<Promise<void>>();

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

  private async execute(task: ScheduledTask): Promise<void> {
    if (!task.single || this.database.kind === 'pglite') return task.run();
    const key = lockKey(task.name);
    await this.database.db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${key}) as ok`.execute(conn);
      if (!got.rows[0]?.ok) return;
      try {
        await task.run();
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(conn);
      }
    });
  }
}

function lockKey(name: string): number {
  let h = 7341;
  for (const c of name) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}
