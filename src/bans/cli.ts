import pino from 'pino';
import { loadConfig } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { closeRedis, openRedis } from '../platform/redis.ts';
import { networkOf, type SecurityEvent } from '../platform/security/event-stream.ts';
import { parseArgs, table } from '../security-events/cli-args.ts';
import { insertSecurityEvents } from '../security-events/store.ts';
import { banConfig, type BanConfig } from './config.ts';
import { validIpOrCidr } from '../platform/http/networks.ts';
import { openBanStore } from './service.ts';
import type { Ban, BanStore } from './store.ts';
import type { AllowScope, BanScope } from './tables.ts';
import { maskBanValue, operatorScopes, parseBanTarget, parseScopedValue, type OperatorScope } from './values.ts';
import { openVault } from '../vault/open.ts';
import { accountSubject } from '../platform/security/event-stream.ts';

type Out = Pick<Console, 'log' | 'error'>;
const usage = [
  'usage: omamori bans list [--json]',
  '       omamori bans add <address | a.b.c.0/24 | x:x:x:x::/64> [--reason TEXT] [--hours N] [--json]',
  '       omamori bans add --scope account|card|session|network <value> [--reason TEXT] [--hours N] [--json]',
  '         account: the sign-in e-mail (stored as its blind index); card: the provider card fingerprint;',
  '         session: the shopper key c:<customer id> or g:<cart token hash>; network: an address or its /24 or /64',
  '       omamori bans remove <address | network> | --scope SCOPE <value> | --ref REF [--json]',
  '       omamori bans allow [--scope SCOPE] <address | CIDR | value> [--note TEXT] | unallow [--scope SCOPE] <...> | allowed [--json]',
].join('\n');

export { parseBanTarget };

function event(kind: 'ban.added' | 'ban.removed', scope: BanScope, value: string, detail: Record<string, string | number>): SecurityEvent {
  const address = scope === 'ip' || scope === 'network';
  return { at: new Date(), kind, severity: 'medium', outcome: 'done', ip: scope === 'ip' ? value : null, network: scope === 'ip' ? networkOf(value) : scope === 'network' ? value : null, actorKind: null, actorId: null, subject: scope === 'account' ? value : null, requestId: null, detail: { scope, by: 'cli', ...(address ? {} : { value: maskBanValue(scope, value) }), ...detail } };
}

export interface BansCliDeps {
  /** The blind index of a sign-in name (needs the vault; only `--scope account` asks for it). */
  accountValue?: (name: string) => string;
}

/** Each ban as scripts read it: `{scope, value, reason, until}` (+ ref, createdAt, createdBy, offences); personal values masked. */
export function banJson(b: Ban) {
  return { scope: b.scope, value: maskBanValue(b.scope, b.value), reason: b.reason, until: b.until.toISOString(), ref: b.ref, createdAt: b.createdAt.toISOString(), createdBy: b.createdBy, offences: b.offences };
}

/** `omamori bans ...` against a store's ban store (Redis or database) and its database for the audit events. */
export async function runBans(args: string[], store: BanStore, db: Parameters<typeof insertSecurityEvents>[0], cfg: BanConfig, out: Out = console, deps: BansCliDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ['reason', 'hours', 'note', 'scope', 'ref']);
  const json = p.switches.has('json');
  const bad = () => (out.error(usage), 2);
  if (p.unknown.length || [...p.switches].some((s) => s !== 'json')) return bad();
  const scopeOpt = p.options.scope;
  if (scopeOpt !== undefined && !(operatorScopes as readonly string[]).includes(scopeOpt)) {
    out.error(`--scope must be one of ${operatorScopes.join(', ')}`);
    return 2;
  }
  const accountValue = (name: string) => {
    if (!deps.accountValue) throw new Error('the vault is needed to ban an account');
    return deps.accountValue(name);
  };
  const target = (text: string) => (scopeOpt ? parseScopedValue(scopeOpt as OperatorScope, text, accountValue) : parseBanTarget(text));
  if (sub === 'list' && !p.words.length) {
    const bans = await store.active();
    if (json) out.log(JSON.stringify(bans.map(banJson), null, 2));
    else if (!bans.length) out.log(`no active bans (${store.kind})`);
    else out.log(table(['scope', 'value', 'reason', 'until (UTC)', 'ref', 'by', 'offences'], bans.map((b) => [b.scope, maskBanValue(b.scope, b.value), b.reason, b.until.toISOString().slice(0, 16).replace('T', ' '), b.ref, b.createdBy, String(b.offences)])));
    return 0;
  }
  if (sub === 'remove' && p.options.ref && !p.words.length) {
    const ban = (await store.active()).find((b) => b.ref === p.options.ref!.trim().toUpperCase());
    if (!ban) {
      out.error(`no active ban with reference ${p.options.ref}`);
      return 1;
    }
    const n = await store.remove(ban.scope, ban.value);
    await insertSecurityEvents(db, [event('ban.removed', ban.scope, ban.value, { lifted: n, ref: ban.ref })]);
    out.log(json ? JSON.stringify({ scope: ban.scope, value: maskBanValue(ban.scope, ban.value), ref: ban.ref, removed: n }) : `ban ${ban.ref} lifted`);
    return 0;
  }
  if ((sub === 'add' || sub === 'remove') && p.words.length === 1) {
    const t = target(p.words[0]!);
    if (!t) {
      out.error(scopeOpt ? `not a valid ${scopeOpt}: ${p.words[0]}` : `not an address, /24 or /64 network: ${p.words[0]}`);
      return 2;
    }
    const shown = maskBanValue(t.scope, t.value);
    if (sub === 'remove') {
      const n = await store.remove(t.scope, t.value);
      await insertSecurityEvents(db, [event('ban.removed', t.scope, t.value, { lifted: n })]);
      if (json) out.log(JSON.stringify({ scope: t.scope, value: shown, removed: n }));
      else out.log(n ? `ban on ${t.scope} ${shown} lifted` : `no active ban on ${t.scope} ${shown}`);
      return n ? 0 : 1;
    }
    const allowed = await store.allowList();
    if (t.scope !== 'ip' && t.scope !== 'network' && allowed.some((a) => a.scope === t.scope && a.cidr === t.value)) {
      out.error(`${t.scope} ${shown} is on the allow-list: not banned`);
      return 1;
    }
    const reason = (p.options.reason ?? 'manual').slice(0, 200);
    // Escalation as for the detectors' bans: without --hours, BAN_MINUTES doubled per earlier ban of the same value in 30 days.
    const offenceWindowMs = 30 * 86_400_000;
    const previous = await store.offences(t.scope, t.value, offenceWindowMs);
    const hours = p.options.hours !== undefined ? Number(p.options.hours) : Math.min(cfg.banMinutes * 2 ** previous, cfg.maxHours * 60) / 60;
    if (!(hours > 0 && hours <= 8760)) return bad();
    const ban = await store.add({ scope: t.scope, value: t.value, reason, createdBy: 'cli', until: new Date(Date.now() + hours * 3600_000) }, offenceWindowMs);
    await insertSecurityEvents(db, [event('ban.added', t.scope, t.value, { reason, minutes: Math.round(hours * 60), ref: ban.ref, offences: ban.offences })]);
    if (json) out.log(JSON.stringify(banJson(ban)));
    else out.log(`banned ${ban.scope} ${shown} until ${ban.until.toISOString()} (ref ${ban.ref})`);
    return 0;
  }
  if ((sub === 'allow' || sub === 'unallow') && p.words.length === 1) {
    const word = p.words[0]!;
    let entry: { scope: AllowScope; value: string } | null;
    if (!scopeOpt || scopeOpt === 'network') entry = validIpOrCidr(word) ? { scope: 'network', value: word } : null;
    else {
      const t = parseScopedValue(scopeOpt as OperatorScope, word, accountValue);
      entry = t ? { scope: t.scope as AllowScope, value: t.value } : null;
    }
    if (!entry) return bad();
    const shown = entry.scope === 'network' ? entry.value : maskBanValue(entry.scope, entry.value);
    if (sub === 'allow') {
      await store.allow(entry.value, (p.options.note ?? '').slice(0, 200), entry.scope);
      out.log(json ? JSON.stringify({ allowed: shown, scope: entry.scope }) : `${entry.scope} ${shown} is never banned`);
      return 0;
    }
    const n = await store.unallow(entry.value, entry.scope);
    out.log(json ? JSON.stringify({ removed: n }) : n ? `${shown} removed from the allow-list` : `${shown} was not on the allow-list`);
    return n ? 0 : 1;
  }
  if (sub === 'allowed' && !p.words.length) {
    const entries = [...cfg.allowlist.map((cidr) => ({ scope: 'network' as AllowScope, cidr, note: '(configuration)' })), ...(await store.allowList())].map((e) => ({ scope: e.scope, value: e.scope === 'network' ? e.cidr : maskBanValue(e.scope, e.cidr), note: e.note }));
    out.log(json ? JSON.stringify(entries, null, 2) : table(['scope', 'value', 'note'], entries.map((e) => [e.scope, e.value, e.note])));
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
    const log = pino({ level: 'silent' });
    const ctx = { config, database: handle, log, redis: openRedis(config.redisUrl, log) } as unknown as AppContext;
    try {
      await migrate(handle);
      const store = openBanStore(ctx, cfg);
      // The vault only when an account is named: its blind index is what an account ban stores.
      const vault = args.some((a, i) => a === '--scope=account' || (a === '--scope' && args[i + 1] === 'account')) ? await openVault(config, handle) : null;
      try {
        return await runBans(args, store, handle.db, cfg, console, vault ? { accountValue: (name) => accountSubject((n) => vault.emailIndex(n), name) } : {});
      } finally {
        await vault?.close();
        await store.close();
      }
    } finally {
      await closeRedis(ctx);
      await handle.close();
    }
  },
};
