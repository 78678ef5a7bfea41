import { sql } from 'kysely';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { raiseAlert } from '../alerts/raise.ts';
import type { AppContext } from '../platform/context.ts';
import type { SecurityEvent, SecurityEventStream } from '../platform/security/event-stream.ts';
import { baselineFromEvents, HourOfWeekBaseline, type BaselineOptions } from './baseline.ts';
import { count, counter, oncePerShared } from './counters.ts';
import type { BanService } from './service.ts';
import { declinedCardClient } from '../payments/card/service.ts';

export const BASELINE_TASK = 'detector-baselines';

const signInFailures = ['auth.sign_in.failure'];
const cardFailures = ['payment.card_declined', 'payment.3ds_failed'];

interface Helpers {
  track(work: Promise<unknown>): void;
  ban(ip: string, reason: string, detail: Record<string, string | number>): Promise<void>;
}

async function current(limiter: RateLimiterAbstract, key: string): Promise<number> {
  return (await limiter.get(key))?.consumedPoints ?? 0;
}

/**
 * Issue 12: the site-wide rate detectors. Each compares a window with a fixed floor AND with the usual
 * volume for that hour of the week (EWMA from the stored events, refreshed hourly), so a sale does not
 * trip them and a slow attack at night still does. They alert; the card-testing ones also ban the client.
 */
export function createRateDetectors(ctx: AppContext, bans: BanService, stream: SecurityEventStream, h: Helpers): void {
  const cfg = bans.config;
  const p = cfg.redisPrefix;
  const opts: BaselineOptions = { alpha: 0.3, factor: cfg.baseline.factor, minWeeks: 2 };
  const base = { signIn: new HourOfWeekBaseline(opts), common: new HourOfWeekBaseline(opts), declines: new HourOfWeekBaseline(opts), csp: new HourOfWeekBaseline(opts) };
  const dist = { count: cfg.distributed.count, windowSeconds: cfg.distributed.windowSeconds };
  const card = { count: 1, windowSeconds: cfg.cardTesting.windowSeconds };
  const c = {
    failures: counter(ctx, p, 'ds-fail', dist),
    networkSeen: counter(ctx, p, 'ds-net-seen', dist),
    networks: counter(ctx, p, 'ds-net', dist),
    common: counter(ctx, p, 'cp', cfg.commonPasswords),
    perNetwork: counter(ctx, p, 'ct-net', card),
    perSession: counter(ctx, p, 'ct-session', card),
    perCard: counter(ctx, p, 'ct-card', card),
    declines: counter(ctx, p, 'ct-declines', card),
    paid: counter(ctx, p, 'ct-paid', card),
    csp: counter(ctx, p, 'csp-pay', cfg.cspPaymentPages),
  };
  // A started checkout's client address by session reference (the decline arrives later, as a webhook without it).
  const sessionIps = new Map<string, string>();

  ctx.scheduler.every(
    BASELINE_TASK,
    3600_000,
    async () => {
      const weeks = cfg.baseline.weeks;
      base.signIn = await baselineFromEvents(ctx.db, signInFailures, { weeks, options: opts });
      base.common = await baselineFromEvents(ctx.db, signInFailures, { weeks, options: opts, onlyCommonPasswords: true });
      base.declines = await baselineFromEvents(ctx.db, cardFailures, { weeks, options: opts });
      base.csp = await baselineFromEvents(ctx.db, ['csp.report'], { weeks, options: opts, onlyPaymentPages: true });
    },
    { single: false, runAtStart: true },
  );

  const due = oncePerShared(ctx, cfg.redisPrefix, 60_000);
  const alert = async (kind: string, title: string, detail: Record<string, string | number>, fingerprint: string, ip?: string) => {
    if (await due(fingerprint)) await raiseAlert(ctx.db, { kind, severity: 'high', title, detail, fingerprint, ip: ip ?? null });
  };

  async function ipOfSession(session: string): Promise<string | null> {
    const known = sessionIps.get(session);
    if (known) return known;
    // Another instance started it: its event is in the table.
    const row = await ctx.db
      .selectFrom('security_event')
      .select('ip')
      .where('kind', '=', 'payment.card_started')
      .where(sql<boolean>`detail->>'session' = ${session}`)
      .where('at', '>', new Date(Date.now() - 2 * 86_400_000))
      .orderBy('at', 'desc')
      .executeTakeFirst();
    return row?.ip ?? null;
  }

  async function signInFailure(e: SecurityEvent): Promise<void> {
    const now = new Date();
    if (cfg.distributed.count > 0 && e.network) {
      if ((await count(c.networkSeen, e.network)) === 1) await count(c.networks, 'all');
      const failures = await count(c.failures, 'all');
      const networks = await current(c.networks, 'all');
      // T4: many networks with one or two tries each stay under every per-address limit; together they are one attack.
      if (failures >= cfg.distributed.count && networks >= cfg.distributed.networks && base.signIn.unusual(now, failures, dist.windowSeconds, cfg.distributed.count)) {
        await alert('credential_stuffing_distributed', '分散型のリスト型攻撃の疑い / distributed credential stuffing', { failures, networks, windowMinutes: Math.round(dist.windowSeconds / 60) }, 'credential_stuffing_distributed');
      }
    }
    if (cfg.commonPasswords.count > 0 && e.detail.commonPassword === true) {
      const n = await count(c.common, 'all');
      if (base.common.unusual(now, n, cfg.commonPasswords.windowSeconds, cfg.commonPasswords.count)) {
        await alert('common_passwords', 'よく使われるパスワードでのログイン試行が急増 / sign-ins with common passwords', { attempts: n, windowMinutes: Math.round(cfg.commonPasswords.windowSeconds / 60) }, 'common_passwords');
      }
    }
  }

  async function cardFailure(e: SecurityEvent): Promise<void> {
    const session = typeof e.detail.session === 'string' ? e.detail.session : null;
    const cardRef = typeof e.detail.card === 'string' ? e.detail.card : null;
    const ip = e.ip ?? (session ? await ipOfSession(session) : null);
    const t = cfg.cardTesting;
    const hits: Array<{ reason: string; n: number }> = [];
    if (t.perSession > 0 && session) {
      const n = await count(c.perSession, session);
      if (n >= t.perSession) hits.push({ reason: 'session', n });
    }
    if (t.perNetwork > 0 && ip) {
      const n = await count(c.perNetwork, ip);
      if (n >= t.perNetwork) hits.push({ reason: 'address', n });
    }
    if (t.perCard > 0 && cardRef) {
      const n = await count(c.perCard, cardRef);
      if (n >= t.perCard) hits.push({ reason: 'card', n });
    }
    for (const hit of hits) {
      // T2: card testing uses the shop as an oracle for stolen cards; the client that drives it is banned.
      await alert('card_testing', `カードテスティングの疑い / card testing (${hit.reason})`, { by: hit.reason, declines: hit.n, windowMinutes: Math.round(t.windowSeconds / 60) }, `card_testing:${hit.reason}`, ip ?? undefined);
      if (ip && !bans.allowed(ip) && !bans.match(ip)) await h.ban(ip, 'card_testing', { by: hit.reason, declines: hit.n });
    }
    // T2: the card itself (its provider fingerprint, refused on the payment page from now on) and the shopper session behind it.
    const byCard = hits.some((x) => x.reason === 'card') && cfg.banCards;
    const bySession = hits.some((x) => x.reason === 'session') && cfg.banSessions;
    if ((byCard || bySession) && typeof e.detail.order === 'number') {
      const client = await declinedCardClient(ctx.db, e.detail.order);
      if (byCard && client.fingerprint && !bans.matchValue('card', client.fingerprint)) await bans.ban({ scope: 'card', value: client.fingerprint, reason: 'card_testing', createdBy: 'detector:card_testing' });
      if (bySession && client.cartKey && !bans.matchValue('session', client.cartKey)) await bans.ban({ scope: 'session', value: client.cartKey, reason: 'card_testing', createdBy: 'detector:card_testing' });
    }
    const r = cfg.declineRatio;
    if (r.min > 0) {
      const declines = await count(c.declines, 'all');
      const paid = await current(c.paid, 'all');
      if (declines / (declines + paid) > r.ratio && base.declines.unusual(new Date(), declines, r.windowSeconds, r.min)) {
        await alert('card_testing', 'カード決済の拒否率が急上昇 / card decline ratio risen', { by: 'site', declines, paid, ratioPercent: Math.round((100 * declines) / (declines + paid)) }, 'card_testing:site');
      }
    }
  }

  async function cspReport(): Promise<void> {
    const t = cfg.cspPaymentPages;
    const n = await count(c.csp, 'all');
    // T1/T6: a burst of blocked loads on the pages that take payment is a skimmer trying, or a broken release, either way a person looks now.
    if (base.csp.unusual(new Date(), n, t.windowSeconds, t.count)) {
      await alert('csp_spike', '決済関連ページで CSP 違反が急増 / spike of CSP violations on payment pages', { reports: n, windowMinutes: Math.round(t.windowSeconds / 60), usualPerHour: Math.round(base.csp.expected(new Date()) ?? 0) }, 'csp_spike');
    }
  }

  stream.subscribe((e: SecurityEvent) => {
    if (e.kind === 'csp.report' && e.detail.paymentPage === true && cfg.cspPaymentPages.count > 0) return h.track(cspReport());
    if (e.kind === 'payment.card_started' && e.ip && typeof e.detail.session === 'string') {
      if (sessionIps.size >= 10_000) sessionIps.delete(sessionIps.keys().next().value!);
      sessionIps.set(e.detail.session, e.ip);
      return;
    }
    if (e.kind === 'payment.card_paid') return h.track(count(c.paid, 'all'));
    if (cardFailures.includes(e.kind)) return h.track(cardFailure(e));
    if (e.kind === 'auth.sign_in.failure' && e.ip && !bans.allowed(e.ip)) h.track(signInFailure(e));
  });
}
