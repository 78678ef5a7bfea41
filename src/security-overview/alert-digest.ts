import type { BanService } from '../bans/service.ts';
import { activeOwnerEmails } from '../identity/staff/staff-accounts.ts';
import type { AppContext } from '../platform/context.ts';
import { adminBaseUrl } from '../platform/config.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { countSecurityEvents } from '../security-events/store.ts';
import { eventKindLabels } from '../platform/security/labels.ts';
import { listAlerts } from '../alerts/queries.ts';

export const DIGEST_MAIL_KIND = 'security_digest';

/** The hour of the day in Tokyo, where the shop's day is counted (README "Japanese data"). */
export function tokyoHour(now = new Date()): number {
  return (now.getUTCHours() + 9) % 24;
}

/**
 * Issue 12: one mail a day to every owner: what is still open, what the store saw in the last 24 hours, and
 * what to do. Counts, titles and codes only (no personal data). Returns the number of mails queued.
 */
export async function sendAlertDigest(ctx: AppContext, banService: Pick<BanService, 'store'>, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - 24 * 3600_000);
  const [open, counts, bans] = await Promise.all([
    listAlerts(ctx.db, { status: 'open', limit: 50 }),
    countSecurityEvents(ctx.database.db, since),
    banService.store.active(now),
  ]);
  const url = `${adminBaseUrl(ctx.config)}/admin/security`;
  const critical = open.filter((a) => a.severity === 'critical').length;
  const signals = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const lines = [
    'omamori セキュリティ日報 / daily security digest',
    '',
    `未確認のアラート / open alerts: ${open.length}${critical ? ` (緊急 / critical: ${critical})` : ''}`,
    ...open.slice(0, 20).map((a) => `  - [${a.severity}] ${a.title} (${a.occurrences}×) ${adminBaseUrl(ctx.config)}/admin/security/alerts/${a.id}`),
    '',
    '過去24時間のセキュリティ記録 / security signals in the last 24 hours:',
    ...(signals.length ? signals.map(([kind, n]) => `  - ${eventKindLabels[kind]?.ja ?? kind} / ${eventKindLabels[kind]?.en ?? kind}: ${n}`) : ['  - なし / none']),
    '',
    `遮断中の接続元 / active bans: ${bans.length}`,
    '',
    open.length
      ? '未確認のアラートを開き、対応したら「確認済み」にしてください。 / Open each alert, act on it and acknowledge it.'
      : '対応が必要なものはありません。 / Nothing needs you today.',
    `セキュリティ概要 / security overview: ${url}`,
  ];
  const subject = `[omamori] セキュリティ日報 / security digest: ${open.length ? `${open.length} open` : 'all clear'}`;
  const owners = await activeOwnerEmails(ctx.db);
  await ctx.db.transaction().execute(async (trx) => {
    for (const to of owners) await queueMail(trx, { kind: DIGEST_MAIL_KIND, to, subject, text: lines.join('\n') });
  });
  return owners.length;
}

/** Due when it is the digest hour in Tokyo and no digest went out in the last 20 hours (survives restarts). */
export async function digestDue(ctx: AppContext, hour: number, now = new Date()): Promise<boolean> {
  if (hour < 0 || tokyoHour(now) !== hour) return false;
  const recent = await ctx.db.selectFrom('mail_outbox').select('id').where('kind', '=', DIGEST_MAIL_KIND).where('created_at', '>', new Date(now.getTime() - 20 * 3600_000)).limit(1).executeTakeFirst();
  return !recent;
}
