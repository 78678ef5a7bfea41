import { raiseAlert } from '../alerts/raise.ts';
import type { AppContext } from '../platform/context.ts';
import type { SecurityEvent, SecurityEventStream } from '../platform/security/event-stream.ts';
import { maskIp } from '../security-events/ip-mask.ts';
import { count, counter, oncePerShared } from './counters.ts';
import type { BanConfig } from './config.ts';

/** The hour (0-23) of `at` in a time zone. */
export function hourIn(at: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(at));
}

export function outsideHours(at: Date, hours: [number, number], timeZone: string): boolean {
  const h = hourIn(at, timeZone);
  const [from, to] = hours;
  return from <= to ? h < from || h >= to : h < from && h >= to; // 22-6 spans midnight
}

const bursts = {
  'pii.reveal': { key: 'reveals', label: '個人情報の表示 / PII reveals' },
  'export.created': { key: 'exports', label: 'エクスポート / exports' },
  'script_inventory.changed': { key: 'changes', label: 'スクリプト・設定の変更 / script or settings changes' },
  'settings.changed': { key: 'changes', label: 'スクリプト・設定の変更 / script or settings changes' },
  'access.permission_denied': { key: 'denials', label: '権限エラーの繰り返し / repeated permission denials' },
} as const;

/**
 * Issue 12, staff: a staff sign-in from a network not seen for that person or outside the shop's
 * usual hours, and bursts of PII reveals, exports, script-inventory/settings/payment changes and
 * permission denials per staff member. They alert (a person decides); they never ban staff.
 */
export function createStaffDetectors(ctx: AppContext, cfg: BanConfig, stream: SecurityEventStream, track: (work: Promise<unknown>) => void): void {
  const s = cfg.staff;
  const t = { count: 1, windowSeconds: s.windowSeconds };
  const c = { reveals: counter(ctx, cfg.redisPrefix, 'st-rev', t), exports: counter(ctx, cfg.redisPrefix, 'st-exp', t), changes: counter(ctx, cfg.redisPrefix, 'st-chg', t), denials: counter(ctx, cfg.redisPrefix, 'st-den', t) };

  const due = oncePerShared(ctx, cfg.redisPrefix, 60_000);
  const alert = async (title: string, detail: Record<string, string | number>, fingerprint: string, ip: string | null) => {
    if (await due(fingerprint)) await raiseAlert(ctx.db, { kind: 'staff_anomaly', severity: 'high', title, detail, fingerprint, ip });
  };

  async function signIn(e: SecurityEvent, staffId: number): Promise<void> {
    if (s.hours && outsideHours(e.at, s.hours, s.timezone)) {
      await alert('営業時間外のスタッフログイン / staff sign-in outside usual hours', { staff: staffId, hour: hourIn(e.at, s.timezone), usual: `${s.hours[0]}-${s.hours[1]}` }, `staff:hours:${staffId}:${e.at.toISOString().slice(0, 10)}`, e.ip);
    }
    if (!s.newNetwork || !e.network) return;
    const earlier = await ctx.db
      .selectFrom('security_event')
      .select(['network'])
      .where('kind', '=', 'auth.sign_in.success')
      .where('actor_kind', '=', 'staff')
      .where('actor_id', '=', staffId)
      .where('at', '<', e.at)
      .where('at', '>', new Date(e.at.getTime() - 400 * 86_400_000))
      .limit(1000)
      .execute();
    // The first sign-in of a new staff member has nothing to compare with.
    if (!earlier.length || earlier.some((r) => r.network === e.network)) return;
    // T4: a stolen staff password used from the attacker's network.
    await alert('スタッフが新しいネットワークからログイン / staff sign-in from a new network', { staff: staffId, network: maskIp(e.ip) ?? '' }, `staff:network:${staffId}:${e.network}`, e.ip);
  }

  stream.subscribe((e: SecurityEvent) => {
    if (e.kind === 'auth.sign_in.success' && e.actorKind === 'staff' && e.actorId !== null) return track(signIn(e, e.actorId));
    const b = bursts[e.kind as keyof typeof bursts];
    if (!b) return;
    const limit = s[b.key];
    const who = e.actorKind === 'staff' && e.actorId !== null ? `staff:${e.actorId}` : e.ip ? `ip:${e.ip}` : null;
    if (limit <= 0 || !who) return;
    track(
      count(c[b.key], who).then((n) =>
        n >= limit ? alert(`${b.label}: ${n}`, { who: who.startsWith('staff:') ? who : 'network', count: n, windowMinutes: Math.round(s.windowSeconds / 60) }, `staff:${b.key}:${who}`, e.ip) : undefined,
      ),
    );
  });
}
