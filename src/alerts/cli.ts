import { loadConfig } from '../platform/config.ts';
import { openDatabase, type Db } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { parseArgs, table } from '../security-events/cli-args.ts';
import { acknowledgeAlert, getAlert, listAlerts, resolveAlert } from './queries.ts';
import type { AlertSeverity } from './tables.ts';

type Out = Pick<Console, 'log' | 'error'>;
const usage = 'usage: omamori alerts list [--all | --acknowledged | --resolved] [--severity S] [--json]\n       omamori alerts ack ID --note TEXT [--json]\n       omamori alerts resolve ID --note TEXT [--json]';
const severities = ['critical', 'high', 'medium', 'low'];

/** `omamori alerts list|ack`: each alert at least {id, kind, severity, createdAt, acknowledgedAt}. */
export async function runAlerts(args: string[], db: Db, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ['severity', 'note']);
  const json = p.switches.has('json');
  const bad = () => (out.error(usage), 2);
  if (p.unknown.length || [...p.switches].some((s) => !['json', 'all', 'acknowledged', 'resolved'].includes(s))) return bad();
  if (sub === 'list' && !p.words.length) {
    if (p.options.severity && !severities.includes(p.options.severity)) return bad();
    const alerts = await listAlerts(db, { status: p.switches.has('all') ? 'all' : p.switches.has('acknowledged') ? 'acknowledged' : p.switches.has('resolved') ? 'resolved' : 'open', severity: p.options.severity as AlertSeverity | undefined });
    if (json) out.log(JSON.stringify(alerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, title: a.title, occurrences: a.occurrences, createdAt: a.createdAt.toISOString(), lastSeenAt: a.lastSeenAt.toISOString(), acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null, note: a.note, resolvedAt: a.resolvedAt?.toISOString() ?? null })), null, 2));
    else if (!alerts.length) out.log('no alerts');
    else out.log(table(['id', 'severity', 'kind', 'seen', 'last (UTC)', 'acknowledged', 'title'], alerts.map((a) => [String(a.id), a.severity, a.kind, `${a.occurrences}x`, a.lastSeenAt.toISOString().slice(0, 16).replace('T', ' '), a.acknowledgedAt ? a.acknowledgedAt.toISOString().slice(0, 16).replace('T', ' ') : '-', a.title])));
    return 0;
  }
  if (sub === 'ack' && p.words.length === 1 && /^\d{1,15}$/.test(p.words[0]!)) {
    const note = (p.options.note ?? '').trim();
    if (!note) return bad();
    const id = Number(p.words[0]);
    const ok = await acknowledgeAlert(db, id, null, `${note} (CLI)`);
    const a = await getAlert(db, id);
    if (json) out.log(JSON.stringify({ id, acknowledged: ok, acknowledgedAt: a?.acknowledgedAt?.toISOString() ?? null }));
    else out.log(ok ? `alert ${id} acknowledged` : a ? `alert ${id} was already acknowledged` : `no alert ${id}`);
    return ok ? 0 : 1;
  }
  if (sub === 'resolve' && p.words.length === 1 && /^\d{1,15}$/.test(p.words[0]!)) {
    const note = (p.options.note ?? '').trim();
    if (!note) return bad();
    const id = Number(p.words[0]);
    const ok = await resolveAlert(db, id, null, `${note} (CLI)`);
    const a = await getAlert(db, id);
    if (json) out.log(JSON.stringify({ id, resolved: ok, resolvedAt: a?.resolvedAt?.toISOString() ?? null }));
    else out.log(ok ? `alert ${id} resolved` : a ? `alert ${id} was already resolved` : `no alert ${id}`);
    return ok ? 0 : 1;
  }
  return bad();
}

export const alertsCommand = {
  summary: 'alerts list [--all] [--json] | ack ID --note TEXT | resolve ID --note TEXT: security alerts',
  async run(args: string[]): Promise<number> {
    const handle = await openDatabase(loadConfig());
    try {
      await migrate(handle);
      return await runAlerts(args, handle.db);
    } finally {
      await handle.close();
    }
  },
};
