import { activeOwnerEmails, listStaff } from '../identity/staff/staff-accounts.ts';
import type { Db } from '../platform/db/database.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { t } from './messages.ts';
import type { StoredExportKind as ExportKind } from './tables.ts';

export interface ExportEvent {
  id: number;
  kind: ExportKind;
  rows: number;
  by: { id: number; name: string; role: string };
  at: Date;
  ip: string | null;
  overCaps?: string[];
}

function facts(e: ExportEvent, adminUrl: string): string {
  return [
    `#${e.id} ${e.kind} / ${e.rows} rows`,
    `staff: ${e.by.name} (#${e.by.id}, ${e.by.role})`,
    `at: ${e.at.toISOString()} (UTC)`,
    `ip: ${e.ip ?? '-'}`,
    ...(e.overCaps?.length ? [`over limits: ${e.overCaps.join(', ')}`] : []),
    `${adminUrl}/admin/exports/history`,
  ].join('\n');
}

const kindLabel = (kind: ExportKind) => ({ ja: t('ja', `kind_${kind}`).split('（')[0]!, en: t('en', `kind_${kind}`).split(' (')[0]! });

/**
 * T4: every owner hears of every bulk export of personal data, queued in the export's own transaction
 * (so no export happens unannounced). Counts, names of staff and ids only; never a customer's data.
 */
export async function mailOwnersExported(trx: Db, e: ExportEvent, adminUrl: string): Promise<void> {
  const k = kindLabel(e.kind);
  for (const to of await activeOwnerEmails(trx)) {
    await queueMail(trx, {
      kind: 'export.notice',
      to,
      subject: t('ja', 'mailExportSubject', { kind: k.ja, rows: e.rows, by: e.by.name }),
      text: `個人情報の一括エクスポートが行われました。心当たりがない場合は、すぐにこの担当者のアカウントを停止してください（管理画面 › スタッフ）。\nA bulk export of personal data was made. If you do not expect it, deactivate this staff account at once (admin › Staff).\n\n${facts(e, adminUrl)}\n`,
    });
  }
}

/** An over-cap export waits for another owner: every owner is asked. */
export async function mailOwnersRequested(trx: Db, e: ExportEvent, adminUrl: string): Promise<void> {
  const k = kindLabel(e.kind);
  for (const to of await activeOwnerEmails(trx)) {
    await queueMail(trx, {
      kind: 'export.request',
      to,
      subject: t('ja', 'mailRequestSubject', { id: e.id, kind: k.ja, rows: e.rows, by: e.by.name }),
      text: `上限を超えるエクスポートの承認依頼です。依頼者以外のオーナーが、再認証のうえ承認または却下してください。\nAn export over the limits waits for approval by an owner other than the requester (re-authentication needed).\n\n${facts(e, adminUrl)}\n${adminUrl}/admin/exports/requests\n`,
    });
  }
}

/** The requester hears the decision. */
export async function mailRequesterDecision(trx: Db, input: { id: number; requesterId: number; approved: boolean; by: string; hours: number; adminUrl: string }): Promise<void> {
  const requester = (await listStaff(trx)).find((s) => s.id === input.requesterId && s.active);
  if (!requester) return;
  await queueMail(trx, {
    kind: 'export.decision',
    to: requester.email,
    subject: t('ja', 'mailDecisionSubject', { id: input.id, decision: input.approved ? '承認' : '却下' }),
    text: `${input.approved ? `エクスポート依頼 #${input.id} は ${input.by} さんが承認しました。${input.hours} 時間以内に1回だけダウンロードできます。` : `エクスポート依頼 #${input.id} は ${input.by} さんが却下しました。`}\n${input.approved ? `Export request #${input.id} was approved by ${input.by}. You can download it once within ${input.hours} hours.` : `Export request #${input.id} was denied by ${input.by}.`}\n\n${input.adminUrl}/admin/exports/requests\n`,
  });
}
