import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { raiseAlert } from '../alerts/raise.ts';
import { count, counter } from './counters.ts';
import type { AppContext } from '../platform/context.ts';
import { recordSecurityEvent, type SecurityEvent, type SecurityEventStream } from '../platform/security/event-stream.ts';
import type { BanService } from './service.ts';
import { banValue } from './values.ts';
import { createRateDetectors } from './rate-detectors.ts';
import { createStaffDetectors } from './staff-detectors.ts';

export interface Detectors {
  /** A 404 answered to this address (scanning: distinct paths per address). */
  notFound(ip: string, path: string): void;
  /** Resolves when every detector decision started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
}

const attackLabel: Record<string, string> = {
  brute_force: '同じアカウントへのパスワード総当たり',
  credential_stuffing: '多数のアカウントへのリスト型攻撃',
  not_found_scan: '存在しないページの探索',
  sensitive_file_probe: '設定ファイルなどの探索',
  backdoor_probe: 'バックドアの探索',
  attack_requests: '攻撃の形をしたアクセス',
};

const short = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 16);


/**
 * The detectors of issue 12, each a threshold in a window (README "Detection"; CrowdSec's defaults):
 * brute force on one account, credential stuffing from one address, 404 scanning, sensitive-file and
 * backdoor probes, attack-shaped requests. They subscribe to the security-event stream in process.
 */
export function createDetectors(ctx: AppContext, bans: BanService, stream: SecurityEventStream): Detectors {
  const cfg = bans.config;
  const p = cfg.redisPrefix;
  const c = {
    bruteForce: counter(ctx, p, 'bf', cfg.bruteForce),
    stuffingSeen: counter(ctx, p, 'cs-seen', cfg.stuffing),
    stuffing: counter(ctx, p, 'cs', cfg.stuffing),
    notFoundSeen: counter(ctx, p, 'nf-seen', cfg.notFound),
    notFound: counter(ctx, p, 'nf', cfg.notFound),
    sensitiveSeen: counter(ctx, p, 'sf-seen', cfg.sensitiveFiles),
    sensitive: counter(ctx, p, 'sf', cfg.sensitiveFiles),
    backdoor: counter(ctx, p, 'bd', cfg.backdoor),
    attacks: counter(ctx, p, 'at', cfg.attacks),
  };
  const pending = new Set<Promise<unknown>>();

  const track = (work: Promise<unknown>) => {
    const p2 = work.catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'detector failed'));
    pending.add(p2);
    void p2.finally(() => pending.delete(p2));
  };

  const banFor = async (ip: string, reason: string, detail: Record<string, string | number>) => {
    const value = banValue(cfg.scope, ip);
    if (!value) return;
    const ban = await bans.ban({ scope: cfg.scope, value, reason, createdBy: `detector:${reason}` });
    if (ban && reason === 'not_found_scan') recordSecurityEvent(ctx, { kind: 'probe.not_found_burst', outcome: 'detected', ip, detail: { ...detail, ref: ban.ref } });
    // Issue 12: a person hears of an attack in progress once per kind of attack while the alert is open (20 networks
    // stuffing credentials are one alert with 20 occurrences, not 20 mails); card testing raises its own alert.
    if (ban && reason !== 'card_testing') {
      await raiseAlert(ctx.db, { kind: 'attack_banned', severity: 'high', title: `攻撃元を自動で遮断しました (${attackLabel[reason] ?? reason}) / attack source banned (${reason})`, detail: { reason, ...detail }, fingerprint: `attack_banned:${reason}`, ip });
    }
  };

  /** Counts an item once per address (distinct) and returns how many distinct items the address has. */
  const distinct = async (seen: RateLimiterAbstract, total: RateLimiterAbstract, ip: string, item: string) => {
    if ((await count(seen, `${ip}|${short(item)}`)) !== 1) return 0;
    return count(total, ip);
  };

  // Site-wide detectors (distributed stuffing, common passwords, card testing) with hour-of-week baselines.
  createRateDetectors(ctx, bans, stream, { track, ban: (ip, reason, detail) => banFor(ip, reason, detail) });
  createStaffDetectors(ctx, cfg, stream, track);

  /** Brute force on one account: the account (its blind index) is banned, and the client too when it has one to ban. */
  const bruteForce = async (subject: string, ip: string | null) => {
    const n = await count(c.bruteForce, subject);
    if (n < cfg.bruteForce.count) return;
    // T4: many addresses guessing one account's password are stopped at the account, not per address.
    if (cfg.banAccounts && !bans.matchValue('account', subject)) await bans.ban({ scope: 'account', value: subject, reason: 'brute_force', createdBy: 'detector:brute_force' });
    if (ip && !bans.match(ip) && !bans.allowed(ip)) await banFor(ip, 'brute_force', { failures: n });
  };

  stream.subscribe((e: SecurityEvent) => {
    if ((e.kind === 'auth.sign_in.failure' || e.kind === 'auth.2fa.failure') && e.subject && cfg.bruteForce.count > 0) {
      track(bruteForce(e.subject, e.ip));
    }
    if (!e.ip || bans.match(e.ip) || bans.allowed(e.ip)) return;
    const ip = e.ip;
    // A try the login throttle refused is still a try at that account: under the site-wide alarm the throttle answers
    // most of a stuffing run with 429, and counting failures only kept each network below the distinct-account floor.
    if (e.kind === 'auth.throttled' && e.subject && cfg.stuffing.count > 0) {
      const subject = e.subject;
      track(distinct(c.stuffingSeen, c.stuffing, ip, subject).then((n) => (n >= cfg.stuffing.count ? banFor(ip, 'credential_stuffing', { accounts: n }) : undefined)));
    }
    if ((e.kind === 'auth.sign_in.failure' || e.kind === 'auth.2fa.failure') && e.subject) {
      const subject = e.subject;
      if (cfg.stuffing.count > 0 && e.kind === 'auth.sign_in.failure') track(distinct(c.stuffingSeen, c.stuffing, ip, subject).then((n) => (n >= cfg.stuffing.count ? banFor(ip, 'credential_stuffing', { accounts: n }) : undefined)));
    }
    if (e.kind === 'request.attack') {
      const classes = (e.detail.classes as readonly string[] | undefined) ?? [];
      const path = String(e.detail.path ?? '');
      if (classes.includes('backdoor') && cfg.backdoor.count > 0) track(count(c.backdoor, ip).then((n) => (n >= cfg.backdoor.count ? banFor(ip, 'backdoor_probe', { probes: n }) : undefined)));
      else if (classes.includes('sensitive_file') && cfg.sensitiveFiles.count > 0) track(distinct(c.sensitiveSeen, c.sensitive, ip, path).then((n) => (n >= cfg.sensitiveFiles.count ? banFor(ip, 'sensitive_file_probe', { files: n }) : undefined)));
      // A protocol anomaly alone (a numeric Host, no Accept header: what monitors, health checks and scripts send) is a
      // signal, not an attack: counting it banned ordinary clients that reached the store by its address.
      const attackClasses = classes.filter((k) => k !== 'sensitive_file' && k !== 'backdoor' && k !== 'protocol');
      if (attackClasses.length && cfg.attacks.count > 0) track(count(c.attacks, ip).then((n) => (n >= cfg.attacks.count ? banFor(ip, 'attack_requests', { requests: n }) : undefined)));
    }
  });

  return {
    notFound(ip, path) {
      if (cfg.notFound.count <= 0 || bans.match(ip) || bans.allowed(ip)) return;
      track(distinct(c.notFoundSeen, c.notFound, ip, path).then((n) => (n >= cfg.notFound.count ? banFor(ip, 'not_found_scan', { paths: n }) : undefined)));
    },
    async settled() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}
