import { loadConfig } from '../platform/config.ts';
import { openDatabase, type Db } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { parseArgs, parseDuration, table } from './cli-args.ts';
import { querySecurityEvents } from './store.ts';

type Out = Pick<Console, 'log' | 'error'>;
const usage = 'usage: omamori security events [--since 1h] [--kind KIND|PREFIX*] [--network CIDR] [--limit N] [--json]';

/** `omamori security events`: the newest events first. The operator at the console sees addresses unmasked. */
export async function runSecurity(args: string[], db: Db, out: Out = console, now = new Date()): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ['since', 'kind', 'network', 'limit']);
  if (sub !== 'events' || p.unknown.length || p.words.length || [...p.switches].some((s) => s !== 'json')) {
    out.error(usage);
    return 2;
  }
  const since = parseDuration(p.options.since ?? '24h');
  const limit = Number(p.options.limit ?? 200);
  if (since === null || !Number.isInteger(limit) || limit < 1) {
    out.error(usage);
    return 2;
  }
  const rows = await querySecurityEvents(db, { since: new Date(now.getTime() - since), kind: p.options.kind, network: p.options.network, limit, unmasked: true });
  if (p.switches.has('json')) {
    out.log(JSON.stringify(rows.map((r) => ({ ...r, at: r.at.toISOString() })), null, 2));
    return 0;
  }
  if (!rows.length) {
    out.log(`no security events in the last ${p.options.since ?? '24h'}`);
    return 0;
  }
  out.log(
    table(
      ['time', 'severity', 'kind', 'outcome', 'address', 'actor', 'detail'],
      rows.map((r) => [r.at.toISOString().replace('T', ' ').slice(0, 19), r.severity, r.kind, r.outcome, r.ip ?? '-', r.actorKind ? `${r.actorKind}#${r.actorId}` : '-', JSON.stringify(r.detail).slice(0, 80)]),
    ),
  );
  return 0;
}

export const securityCommand = {
  summary: 'security events [--since 1h] [--kind K] [--json]: the security-event stream (sign-ins, refusals, attacks, bans)',
  async run(args: string[]): Promise<number> {
    if (args[0] !== 'events') {
      console.error(usage);
      return 2;
    }
    const handle = await openDatabase(loadConfig());
    try {
      await migrate(handle);
      return await runSecurity(args, handle.db);
    } finally {
      await handle.close();
    }
  },
};
