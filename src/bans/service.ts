import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { addressMatcher, plainAddress } from '../platform/http/networks.ts';
import { networkOf, recordSecurityEvent } from '../platform/security/event-stream.ts';
import type { SecurityEventStream } from '../platform/security/event-stream.ts';
import { registerAttackClassifier } from '../detection/attack-hook.ts';
import { banConfig, type BanConfig } from './config.ts';
import { oncePerShared } from './counters.ts';
import { createDetectors, type Detectors } from './detectors.ts';
import { sendBanned, type ShopContact } from './page.ts';
import type { ShopSettingsService } from '../settings/settings.ts';
import { crowdSecConfig, CrowdSecDecisions, CrowdSecSignals } from './crowdsec.ts';

export const CROWDSEC_TASK = 'crowdsec-decisions';
import { DatabaseBanStore, RedisBanStore, type Ban, type BanStore } from './store.ts';
import type { AllowScope, BanScope } from './tables.ts';
import { attachBanGate, detachBanGate, type BanGate } from '../platform/security/ban-gate.ts';

export interface BanRequest {
  scope: BanScope;
  value: string;
  reason: string;
  createdBy: string;
  /** Overrides the escalating duration (staff or CLI decisions). */
  minutes?: number;
}

export interface BanService {
  readonly store: BanStore;
  readonly config: BanConfig;
  readonly detectors: Detectors;
  /** CrowdSec's decisions (bouncer) when CROWDSEC_LAPI_URL and CROWDSEC_BOUNCER_KEY are set; enforced with the bans. */
  readonly crowdsec: CrowdSecDecisions;
  /** omamori's address and network bans sent to CrowdSec as alerts (CROWDSEC_MACHINE_ID/PASSWORD); resolves when sent. */
  readonly signals: CrowdSecSignals;
  /** Signals still being sent (tests, shutdown). */
  signalled(): Promise<void>;
  /** The ban covering this address, if any (in-memory; allow-listed addresses are never banned). */
  match(ip: string): Ban | null;
  allowed(ip: string): boolean;
  /** The ban on an account (its blind index), a card fingerprint or a cart owner key, if any (in-memory). */
  matchValue(scope: 'account' | 'card' | 'session', value: string): Ban | null;
  /** Allow-listed: an address for ip/network, else the value as bans of that scope store it. */
  allowedValue(scope: BanScope, value: string): boolean;
  /** The blind index an account ban stores for a sign-in name (the security-event subject). */
  accountValue(name: string): string;
  /** Called after each reload with the card fingerprints banned now (the provider's block list follows). */
  onCards(fn: (fingerprints: string[]) => Promise<void>): void;
  /** Bans unless allow-listed or already banned; escalates for repeat offenders. */
  ban(req: BanRequest): Promise<Ban | null>;
  unban(scope: BanScope, value: string, by: string): Promise<number>;
  /** Reloads bans and the allow-list now (also done on every change notification and periodically). */
  refresh(): Promise<void>;
  stats: { refused: number; refreshes: number };
  /** The shop's name, e-mail and phone for the 403 page (kept in memory; reloaded when staff save the shop settings). */
  contact(): ShopContact | null;
  close(): Promise<void>;
}

const offenceWindowMs = 30 * 86_400_000;

export function openBanStore(ctx: Pick<AppContext, 'database' | 'redis'>, cfg: BanConfig): BanStore {
  const redis = ctx.redis;
  return redis ? new RedisBanStore(redis, cfg.redisPrefix, ctx.database) : new DatabaseBanStore(ctx.database);
}

/**
 * Bans that every app instance enforces: decided by the detectors (or staff, or the CLI), kept in
 * Redis when REDIS_URL is set (published at once) or in the database (NOTIFY, and a refresh every
 * BAN_REFRESH_MS), and checked per request against an in-memory copy, so refusing costs no I/O.
 */
export function createBans(ctx: AppContext, deps: { events: SecurityEventStream; shop: ShopSettingsService }, cfg: BanConfig = banConfig()): BanService {
  const store = openBanStore(ctx, cfg);
  const stream = deps.events;
  let byIp = new Map<string, Ban>();
  let byNetwork = new Map<string, Ban>();
  let byValue = new Map<string, Ban>();
  let allowedValues = new Set<string>();
  let allow = addressMatcher(cfg.allowlist);
  const shop = deps.shop;
  const cs = crowdSecConfig();
  const crowdsec = new CrowdSecDecisions(cs, ctx.log);
  const signals = new CrowdSecSignals(cs, ctx.log);
  const sending = new Set<Promise<unknown>>();
  if (crowdsec.enabled) ctx.scheduler.every(CROWDSEC_TASK, cs.pollSeconds * 1000, () => crowdsec.poll(), { single: false, runAtStart: true });
  let contact: ShopContact | null = null;
  let cardListeners: Array<(fingerprints: string[]) => Promise<void>> = [];
  let lastCards = '';
  let loaded: Promise<void> | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  const stats = { refused: 0, refreshes: 0 };

  const key = (scope: BanScope, value: string) => `${scope}:${value}`;
  const mapOf = (scope: BanScope) => (scope === 'ip' ? byIp : scope === 'network' ? byNetwork : byValue);
  const mapKey = (scope: BanScope, value: string) => (scope === 'ip' || scope === 'network' ? value : key(scope, value));
  const put = (b: Ban) => mapOf(b.scope).set(mapKey(b.scope, b.value), b);
  const decidedOnce = oncePerShared(ctx, `${cfg.redisPrefix}decide:`, 10_000);
  const firstDecision = (key: string) => decidedOnce(key);

  async function refresh() {
    const [bans, allowed] = await Promise.all([store.active(), store.allowList()]);
    const ip = new Map<string, Ban>();
    const net = new Map<string, Ban>();
    const values = new Map<string, Ban>();
    for (const b of bans) (b.scope === 'ip' ? ip : b.scope === 'network' ? net : values).set(mapKey(b.scope, b.value), b);
    byIp = ip;
    byNetwork = net;
    byValue = values;
    allow = addressMatcher([...cfg.allowlist, ...allowed.filter((a) => a.scope === 'network').map((a) => a.cidr)]);
    allowedValues = new Set(allowed.filter((a) => a.scope !== 'network').map((a) => key(a.scope, a.cidr)));
    stats.refreshes++;
    // The settings are cached (a save on any instance drops the cache): this is a database read only after a change.
    const settings = await shop.get().catch(() => null);
    if (settings) contact = { name: settings.name, email: settings.email, phone: settings.phone };
    await syncCards().catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'bans: the provider card block list not updated yet; retried on the next refresh'));
  }

  async function syncCards() {
    if (!cardListeners.length) return;
    const cards = [...byValue.values()].filter((b) => b.scope === 'card' && !allowedValues.has(key('card', b.value))).map((b) => b.value).sort();
    const signature = cards.join(',');
    if (signature === lastCards) return;
    for (const fn of cardListeners) await fn(cards);
    lastCards = signature;
  }

  const gate: BanGate = {
    account: (name) => hit('account', stream.subjectHash(name)),
    card: (fingerprint) => hit('card', fingerprint),
    session: (k) => hit('session', k),
    cards: () => [...byValue.values()].filter((b) => b.scope === 'card' && b.until.getTime() > Date.now()).map((b) => b.value),
  };
  function hit(scope: 'account' | 'card' | 'session', value: string): Ban | null {
    if (!byValue.size) return null;
    const b = byValue.get(key(scope, value));
    if (!b || b.until.getTime() <= Date.now() || allowedValues.has(key(scope, value))) return null;
    return b;
  }

  const safeRefresh = () => refresh().catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'bans: refresh failed; keeping the last copy'));
  loaded = safeRefresh();
  // Without the push another instance's ban waits for the next poll (BAN_REFRESH_MS): a subscription that failed (Redis
  // slow or away at start: its commands time out after 1 s) is tried again until it holds, then the copy is reloaded.
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const subscribe = () =>
    void store
      .onChange(() => void safeRefresh())
      .then((u) => {
        if (closed) return void u().catch(() => {});
        unlisten = u;
        void safeRefresh();
      })
      .catch((err: unknown) => {
        ctx.log.warn({ err: (err as Error).message }, 'bans: change notifications unavailable; polling, and subscribing again in 2 s');
        if (!closed) retry = setTimeout(subscribe, 2000).unref();
      });
  subscribe();
  const timer = setInterval(() => void safeRefresh(), cfg.refreshMs);
  timer.unref();

  const allowed = (ip: string) => allow(ip);
  const allowedValue = (scope: BanScope, value: string) => {
    if (scope === 'ip' || scope === 'network') return allowed(scope === 'ip' ? value : value.replace(/\/\d+$/, '').replace(/::$/, '::1'));
    return allowedValues.has(key(scope, value));
  };

  const match = (ip: string): Ban | null => {
    if (!byIp.size && !byNetwork.size && !crowdsec.enabled) return null;
    const a = plainAddress(ip);
    const now = Date.now();
    const own = byIp.get(a) ?? (byNetwork.size ? byNetwork.get(networkOf(a) ?? '') : undefined);
    const hit = own && own.until.getTime() > now ? own : crowdsec.match(a);
    if (!hit || allowed(a)) return null;
    return hit;
  };

  const service: BanService = {
    store,
    config: cfg,
    detectors: null as unknown as Detectors,
    match,
    allowed,
    crowdsec,
    signals,
    async signalled() {
      while (sending.size) await Promise.allSettled([...sending]);
    },
    matchValue: hit,
    allowedValue,
    accountValue: (name) => stream.subjectHash(name),
    contact: () => contact,
    onCards(fn) {
      cardListeners.push(fn);
      lastCards = '\u0000';
    },
    stats,
    refresh,
    async ban(r) {
      // T2/T4: the shop's own networks, the payment provider's webhooks and monitoring are never banned.
      if (allowedValue(r.scope, r.value)) return null;
      const current = mapOf(r.scope).get(mapKey(r.scope, r.value));
      if (current && current.until.getTime() > Date.now() && r.minutes === undefined) return null;
      // Issue 12: several detectors (and instances) past their thresholds for the same client at once decide one ban
      // between them (a scanner's concurrent requests made seven bans and seven alert occurrences).
      if (r.createdBy.startsWith('detector:') && !(await firstDecision(`${r.scope}:${r.value}`))) return null;
      const previous = await store.offences(r.scope, r.value, offenceWindowMs);
      const minutes = r.minutes ?? Math.min(cfg.banMinutes * 2 ** previous, cfg.maxHours * 60);
      const ban = await store.add({ scope: r.scope, value: r.value, reason: r.reason.slice(0, 200), createdBy: r.createdBy.slice(0, 80), until: new Date(Date.now() + minutes * 60_000) }, offenceWindowMs);
      put(ban);
      if (signals.enabled && (r.scope === 'ip' || r.scope === 'network')) {
        const sent = signals.send(ban).finally(() => sending.delete(sent));
        sending.add(sent);
      }
      if (r.scope === 'card') void syncCards().catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'bans: card block list not updated yet'));
      recordSecurityEvent(ctx, { kind: 'ban.added', outcome: 'done', ip: r.scope === 'ip' ? r.value : null, detail: { scope: r.scope, value: r.scope === 'network' ? r.value : null, reason: ban.reason, minutes, offences: ban.offences, by: ban.createdBy, ref: ban.ref } });
      ctx.log.warn({ scope: r.scope, reason: ban.reason, minutes, offences: ban.offences, ref: ban.ref }, 'ban added');
      return ban;
    },
    async unban(scope, value, by) {
      const n = await store.remove(scope, value);
      mapOf(scope).delete(mapKey(scope, value));
      if (scope === 'card') void syncCards().catch(() => {});
      recordSecurityEvent(ctx, { kind: 'ban.removed', outcome: 'done', ip: scope === 'ip' ? value : null, detail: { scope, value: scope === 'network' ? value : null, by: by.slice(0, 80), lifted: n } });
      return n;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(timer);
      detachBanGate(gate);
      cardListeners = [];
      await loaded;
      await unlisten?.().catch(() => {});
      await store.close();
    },
  };
  (service as { detectors: Detectors }).detectors = createDetectors(ctx, service, stream);
  attachBanGate(gate);
  return service;
}

/**
 * Root hooks of one HTTP application, in this order: a banned client gets the short 403 before
 * anything else runs; then the attack classifier; 404s feed the scanning detector.
 */
export function registerBanHooks(app: FastifyInstance, bans: BanService, opts: { classify?: boolean } = {}): void {
  app.addHook('onRequest', async (req, reply) => {
    const ban = bans.match(req.ip);
    if (!ban) return;
    bans.stats.refused++;
    return sendBanned(req, reply, ban, bans.contact());
  });
  if (opts.classify !== false) registerAttackClassifier(app);
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode === 404) bans.detectors.notFound(req.ip, req.url.split('?')[0]!);
  });
}
