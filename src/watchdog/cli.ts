import { loadConfig } from '../platform/config.ts';
import { openDatabase, type Db } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { parseArgs, table } from '../security-events/cli-args.ts';

type Out = Pick<Console, 'log' | 'error'>;
const usage = 'usage: omamori watchdog heartbeats [--json]';

/** `omamori watchdog heartbeats`: when each watched protection last ran well (the silence check's input). */
export async function runWatchdog(args: string[], db: Db, out: Out = console, now = new Date()): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, []);
  if (sub !== 'heartbeats' || p.unknown.length || p.words.length || [...p.switches].some((s) => s !== 'json')) return (out.error(usage), 2);
  const rows = await db.selectFrom('heartbeat').selectAll().orderBy('name').execute();
  const beats = rows.map((r) => {
    const everyMs = Number(r.every_ms);
    const lastOk = r.last_ok_at ? new Date(r.last_ok_at) : null;
    return { name: r.name, everyMinutes: Math.round((everyMs / 60_000) * 10) / 10, lastOkAt: lastOk?.toISOString() ?? null, lastRunAt: new Date(r.last_run_at).toISOString(), lastError: r.last_error, late: !lastOk || now.getTime() - lastOk.getTime() > everyMs, instance: r.instance };
  });
  if (p.switches.has('json')) out.log(JSON.stringify(beats, null, 2));
  else if (!beats.length) out.log('no heartbeats yet');
  else out.log(table(['task', 'every (min)', 'last ok (UTC)', 'late', 'last error'], beats.map((b) => [b.name, String(b.everyMinutes), b.lastOkAt ? b.lastOkAt.slice(0, 16).replace('T', ' ') : 'never', b.late ? 'yes' : '-', b.lastError ?? '-'])));
  return 0;
}

export const watchdogCommand = {
  summary: 'watchdog heartbeats [--json]: when each scheduled protection last ran (silence detection)',
  async run(args: string[]): Promise<number> {
    const handle = await openDatabase(loadConfig());
    try {
      await migrate(handle);
      return await runWatchdog(args, handle.db);
    } finally {
      await handle.close();
    }
  },
};
