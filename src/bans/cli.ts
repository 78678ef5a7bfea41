import { isIP } from 'node:net';
import pino from 'pino';
import { loadConfig } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { closeRedis } from '../platform/redis.ts';
import { expandV6, plainAddress } from '../platform/http/networks.ts';
import { networkOf, type SecurityEvent } from '../platform/security/event-stream.ts';
import { parseArgs, table } from '../security-events/cli-args.ts';
import { insertSecurityEvents } from '../security-events/store.ts';
import { banConfig, type BanConfig } from './config.ts';
import { validIpOrCidr } from '../platform/http/networks.ts';
import { openBanStore } from './service.ts';
import type { BanStore } from './store.ts';
import type { BanScope } from './tables.ts';

type Out = Pick<Console, 'log' | 'error'>;
const usage = [
  'usage: omamori bans list [--json]',
  '       omamori bans add <address | a.b.c.0/24 | x:x:x:x::/64> [--reason TEXT] [--hours N] [--json]',
  '       omamori bans remove <address | network> [--json]',
  '       omamori bans allow <address | CIDR> [--note TEXT] | unallow <CIDR> | allowed [--json]',
].join('\n');

/** An address bans as `ip`; a /24 (IPv4) or /64 (IPv6) as `network`, in the form the enforcement compares. */
export function parseBanTarget(text: string): { scope: BanScope; value: string } | null {
  const t = text.trim().toLowerCase();
  if (isIP(t)) return { scope: 'ip', value: plainAddress(t) };
  const [addr = '', bits] = t.split('/');
  if (isIP(addr) === 4 && bits === '24') return { scope: 'network', value: networkOf(addr)! };
  if (isIP(addr) === 6 && bits === '64') return { scope: 'network', value: `${expandV6(addr).slice(0, 4).join(':')}::/64` };
  return null;
}

function event(kind: 'ban.added' | 'ban.removed', scope: BanScope, value: string, detail: Record<string, string | number>): SecurityEvent {
  return { at: new Date(), kind, severity: 'medium', outcome: 'done', ip: scope === 'ip' ? value : null, network: scope === 'ip' ? networkOf(value) : value, actorKind: null, actorId: null, subject: null, requestId: null, detail: { scope, by: 'cli', ...detail } };
}

/** `omamori bans ...` against a store's ban store (Redis or database) and its database for the audit events. */
export async function runBans(args: string[], store: BanStore, db: Parameters<typeof insertSecurityEvents>[0], cfg: BanConfig, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ['reason', 'hours', 'note']);
  const json = p.switches.has('json');
  const bad = () => (out.error(usage), 2);
  if (p.unknown.length || [...p.switches].some((s) => s !== 'json')) return bad();
  if (sub === 'list' && !p.words.length) {
    const bans = await store.active();
    if (json) out.log(JSON.stringify(bans.map((b) => ({ scope: b.scope, value: b.value, reason: b.reason, until: b.until.toISOString(), ref: b.ref, createdAt: b.createdAt.toISOString(), createdBy: b.createdBy, offences: b.offences })), null, 2));
    else if (!bans.length) out.log(`no active bans (${store.kind})`);
    else out.log(table(['scope', 'value', 'reason', 'until (UTC)', 'ref', 'by', 'offences'], bans.map((b) => [b.scope, b.value, b.reason, b.until.toISOString().slice(0, 16).replace('T', ' '), b.ref, b.createdBy, String(b.offences)])));
    return 0;
  }
  if ((sub === 'add' || sub === 'remove') && p.words.length === 1) {
    const target = parseBanTarget(p.words[0]!);
    if (!target) {
      out.error(`not an address, /24 or /64 network: ${p.words[0]}`);
      return 2;
    }
    if (sub === 'remove') {
      const n = await store.remove(target.scope, target.value);
      await insertSecurityEvents(db, [event('ban.removed', target.scope, target.value, { lifted: n })]);
      if (json) out.log(JSON.stringify({ scope: target.scope, value: target.value, removed: n }));
      else out.log(n ? `ban on ${target.value} lifted` : `no active ban on ${target.value}`);
      return n ? 0 : 1;
    }
    const hours = Number(p.options.hours ?? cfg.banMinutes / 60);
    if (!(hours > 0 && hours <= 8760)) return bad();
    const reason = (p.options.reason ?? 'manual').slice(0, 200);
    const ban = await store.add({ scope: target.scope, value: target.value, reason, createdBy: 'cli', until: new Date(Date.now() + hours * 3600_000) }, 30 * 86_400_000);
    await insertSecurityEvents(db, [event('ban.added', target.scope, target.value, { reason, minutes: Math.round(hours * 60), ref: ban.ref })]);
    if (json) out.log(JSON.stringify({ scope: ban.scope, value: ban.value, reason: ban.reason, until: ban.until.toISOString(), ref: ban.ref }));
    else out.log(`banned ${ban.scope} ${ban.value} until ${ban.until.toISOString()} (ref ${ban.ref})`);
    return 0;
  }
  if (sub === 'allow' && p.words.length === 1 && validIpOrCidr(p.words[0]!)) {
    await store.allow(p.words[0]!, (p.options.note ?? '').slice(0, 200));
    out.log(json ? JSON.stringify({ allowed: p.words[0] }) : `${p.words[0]} is never banned`);
    return 0;
  }
  if (sub === 'unallow' && p.words.length === 1) {
    const n = await store.unallow(p.words[0]!);
    out.log(json ? JSON.stringify({ removed: n }) : n ? `${p.words[0]} removed from the allow-list` : `${p.words[0]} was not on the allow-list`);
    return n ? 0 : 1;
  }
  if (sub === 'allowed' && !p.words.length) {
    const entries = [...cfg.allowlist.map((cidr) => ({ cidr, note: '(configuration)' })), ...(await store.allowList())];
    out.log(json ? JSON.stringify(entries, null, 2) : table(['network', 'note'], entries.map((e) => [e.cidr, e.note])));
    return 0;
  }
  return bad();
}

export const bansCommand = {
  summary: 'bans list|add|remove|allow|unallow|allowed [--json]: addresses and networks every instance refuses',
  async run(args: string[]): Promise<number> {
    const config = loadConfig();
    const cfg = banConfig();
    const handle = await openDatabase(config);
    const ctx = { config, database: handle, log: pino({ level: 'silent' }) } as unknown as AppContext;
    try {
      await migrate(handle);
      const store = openBanStore(ctx, cfg);
      try {
        return await runBans(args, store, handle.db, cfg);
      } finally {
        await store.close();
      }
    } finally {
      await closeRedis(ctx);
      await handle.close();
    }
  },
};
