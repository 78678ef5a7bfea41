import { isIP } from 'node:net';
import { z } from 'zod';
import { addressMatcher, plainAddress, validIpOrCidr } from '../platform/http/networks.ts';
import type { Logger } from 'pino';
import type { Ban } from './store.ts';

const envSchema = z.object({
  CROWDSEC_LAPI_URL: z.url({ protocol: /^https?$/ }).optional(),
  CROWDSEC_BOUNCER_KEY: z.string().min(8).max(200).optional(),
  CROWDSEC_POLL_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  CROWDSEC_MACHINE_ID: z.string().min(1).max(200).optional(),
  CROWDSEC_MACHINE_PASSWORD: z.string().min(1).max(200).optional(),
});

export interface CrowdSecConfig {
  /** The operator's CrowdSec Local API, e.g. http://127.0.0.1:8080 (unset: no CrowdSec). */
  url: string | null;
  /** A bouncer API key (`cscli bouncers add omamori -o raw`): omamori enforces CrowdSec's decisions. */
  bouncerKey: string | null;
  pollSeconds: number;
  /** Machine credentials (`cscli machines add omamori --password ...`): omamori's own bans go to CrowdSec as alerts. */
  machine: { id: string; password: string } | null;
}

/** Reads CROWDSEC_* (README "CrowdSec"); an invalid value stops the start with a clear message. */
export function crowdSecConfig(env: NodeJS.ProcessEnv = process.env): CrowdSecConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('CROWDSEC_') && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const e = parsed.data;
  return {
    url: e.CROWDSEC_LAPI_URL ? e.CROWDSEC_LAPI_URL.replace(/\/+$/, '') : null,
    bouncerKey: e.CROWDSEC_BOUNCER_KEY ?? null,
    pollSeconds: e.CROWDSEC_POLL_SECONDS,
    machine: e.CROWDSEC_MACHINE_ID && e.CROWDSEC_MACHINE_PASSWORD ? { id: e.CROWDSEC_MACHINE_ID, password: e.CROWDSEC_MACHINE_PASSWORD } : null,
  };
}

/** One decision as the Local API's `/v1/decisions/stream` gives it. */
interface Decision {
  id: number;
  origin?: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  scenario?: string;
}

/** CrowdSec durations: `3h59m58.5s`, `-1.5s` (expired), `720h`. */
export function durationMs(text: string): number {
  if (text.startsWith('-')) return 0;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(n) * { h: 3600_000, m: 60_000, s: 1000, ms: 1 }[unit as 'h' | 'm' | 's' | 'ms'];
  return ms;
}

/**
 * The bouncer side: CrowdSec's active `ban` decisions on addresses (scope Ip) and ranges (scope Range),
 * kept in memory from the Local API's decision stream (the whole set at start, then what changed), and
 * checked per request with the bans, so enforcing them costs no I/O either.
 */
export class CrowdSecDecisions {
  private ips = new Map<string, Ban>();
  private ranges = new Map<string, Ban>();
  private rangeMatch: ((ip: string) => boolean) | null = null;
  private started = false;
  readonly stats = { polls: 0, failures: 0, active: 0 };

  constructor(private readonly cfg: CrowdSecConfig, private readonly log: Logger, private readonly fetchFn: typeof fetch = fetch) {}

  get enabled(): boolean {
    return Boolean(this.cfg.url && this.cfg.bouncerKey);
  }

  /** The CrowdSec ban covering this address, if any. */
  match(ip: string): Ban | null {
    if (!this.ips.size && !this.ranges.size) return null;
    const now = Date.now();
    const a = plainAddress(ip);
    const hit = this.ips.get(a);
    if (hit && hit.until.getTime() > now) return hit;
    if (this.rangeMatch?.(a)) {
      for (const [cidr, ban] of this.ranges) if (ban.until.getTime() > now && addressMatcher([cidr])(a)) return ban;
    }
    return null;
  }

  /** One poll of the decision stream (the full set on the first, then only changes). */
  async poll(): Promise<void> {
    if (!this.enabled) return;
    const url = `${this.cfg.url}/v1/decisions/stream?startup=${this.started ? 'false' : 'true'}&scopes=ip,range`;
    try {
      const res = await this.fetchFn(url, { headers: { 'x-api-key': this.cfg.bouncerKey!, 'user-agent': 'omamori-bouncer/1' }, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { new?: Decision[] | null; deleted?: Decision[] | null };
      this.apply(body.new ?? [], body.deleted ?? [], !this.started);
      this.started = true;
      this.stats.polls++;
    } catch (err) {
      this.stats.failures++;
      // Fail open on CrowdSec's side only: omamori's own bans keep working when the Local API is down.
      this.log.warn({ err: (err as Error).message }, 'crowdsec: decision stream unavailable; keeping the last decisions');
    }
  }

  private apply(added: Decision[], deleted: Decision[], startup: boolean) {
    if (startup) {
      this.ips.clear();
      this.ranges.clear();
    }
    for (const d of deleted) {
      const scope = d.scope.toLowerCase();
      if (scope === 'ip') this.ips.delete(plainAddress(d.value));
      else if (scope === 'range') this.ranges.delete(d.value);
    }
    const now = Date.now();
    for (const d of added) {
      if (d.type !== 'ban') continue;
      const scope = d.scope.toLowerCase();
      const until = new Date(now + durationMs(d.duration));
      const ban: Ban = { scope: scope === 'ip' ? 'ip' : 'network', value: d.value, reason: `crowdsec:${(d.scenario ?? d.origin ?? 'decision').slice(0, 120)}`, ref: `CS${d.id}`, createdAt: new Date(now), until, createdBy: `crowdsec:${d.origin ?? 'lapi'}`, offences: 1 };
      if (scope === 'ip' && isIP(d.value)) this.ips.set(plainAddress(d.value), ban);
      else if (scope === 'range' && validIpOrCidr(d.value)) this.ranges.set(d.value, ban);
    }
    this.rangeMatch = this.ranges.size ? addressMatcher([...this.ranges.keys()]) : null;
    this.stats.active = this.ips.size + this.ranges.size;
  }

  /** The decisions in force (console, overview). */
  active(): Ban[] {
    const now = Date.now();
    return [...this.ips.values(), ...this.ranges.values()].filter((b) => b.until.getTime() > now);
  }
}

/**
 * The watcher side: a ban omamori decided on an address or network is sent to the Local API as an alert
 * carrying its decision, so the operator's other bouncers (firewall, reverse proxy) enforce it too.
 */
export class CrowdSecSignals {
  private token: { value: string; expires: number } | null = null;

  constructor(private readonly cfg: CrowdSecConfig, private readonly log: Logger, private readonly fetchFn: typeof fetch = fetch) {}

  get enabled(): boolean {
    return Boolean(this.cfg.url && this.cfg.machine);
  }

  private async login(): Promise<string> {
    if (this.token && this.token.expires > Date.now() + 60_000) return this.token.value;
    const res = await this.fetchFn(`${this.cfg.url}/v1/watchers/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'omamori/1' }, body: JSON.stringify({ machine_id: this.cfg.machine!.id, password: this.cfg.machine!.password, scenarios: [] }), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`login: HTTP ${res.status}`);
    const body = (await res.json()) as { token: string; expire: string };
    this.token = { value: body.token, expires: Date.parse(body.expire) || Date.now() + 3600_000 };
    return body.token;
  }

  /** Sends one ban (scope ip or network) as a CrowdSec alert with its decision; other scopes are omamori's own. */
  async send(ban: Pick<Ban, 'scope' | 'value' | 'reason' | 'until' | 'ref'>): Promise<boolean> {
    if (!this.enabled || (ban.scope !== 'ip' && ban.scope !== 'network')) return false;
    const scope = ban.scope === 'ip' ? 'Ip' : 'Range';
    const seconds = Math.max(1, Math.round((ban.until.getTime() - Date.now()) / 1000));
    const now = new Date().toISOString();
    const scenario = `omamori/${ban.reason.replace(/[^\w.-]/g, '_').slice(0, 60)}`;
    const alert = {
      scenario,
      scenario_hash: '',
      scenario_version: '',
      message: `omamori ban ${ban.ref}: ${ban.reason}`.slice(0, 200),
      events_count: 1,
      events: [{ timestamp: now, meta: [{ key: 'source', value: 'omamori' }, { key: 'ref', value: ban.ref }] }],
      start_at: now,
      stop_at: now,
      capacity: 0,
      leakspeed: '0',
      simulated: false,
      remediation: true,
      source: { scope, value: ban.value, ...(scope === 'Ip' ? { ip: ban.value } : { range: ban.value }) },
      decisions: [{ origin: 'omamori', type: 'ban', scope, value: ban.value, duration: `${seconds}s`, scenario, simulated: false }],
    };
    try {
      const post = async (token: string) => this.fetchFn(`${this.cfg.url}/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': 'omamori/1' }, body: JSON.stringify([alert]), signal: AbortSignal.timeout(10_000) });
      let res = await post(await this.login());
      if (res.status === 401) {
        this.token = null;
        res = await post(await this.login());
      }
      if (!res.ok) throw new Error(`alerts: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      return true;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, ref: ban.ref }, 'crowdsec: ban not sent to the Local API');
      return false;
    }
  }
}
