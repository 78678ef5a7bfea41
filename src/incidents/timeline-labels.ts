import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';

/** Timeline entries in plain words (the raw kind and action stay in data attributes for scripts and tests). */
const kinds: Record<Locale, Record<string, string>> = {
  ja: {
    declared: '事故を宣言', evidence_frozen: '証拠を保全', note: 'メモ', task_added: 'やることを追加', task_done: 'やることを完了', task_reopened: 'やることを未完了に戻す',
    scoped: '影響範囲を調査', campaign_started: 'お客様への通知を開始', campaign_done: 'お客様への通知の送信を完了', export: 'ファイルを書き出し', notice_saved: 'お知らせを保存',
    notice_published: 'お知らせを公開', report_drafted: '報告の下書き', status: '状態を変更', bounced: 'メールが届かなかった（郵送へ）', reminder_sent: '報告期限のお知らせをオーナーへ送信',
    report_saved: '報告の内容を保存', report_submitted: '報告を提出済みにした', contact_added: '連絡先を追加', contact_made: '連絡した',
  },
  en: {
    declared: 'Incident declared', evidence_frozen: 'Evidence frozen', note: 'Note', task_added: 'Task added', task_done: 'Task done', task_reopened: 'Task reopened',
    scoped: 'Scope run', campaign_started: 'Notices started', campaign_done: 'Notices all queued', export: 'File exported', notice_saved: 'Notice saved',
    notice_published: 'Notice published', report_drafted: 'Report drafted', status: 'Status changed', bounced: 'Mail bounced (letter instead)', reminder_sent: 'Deadline reminder mailed to owners',
    report_saved: 'Report saved', report_submitted: 'Report marked submitted', contact_added: 'Contact added', contact_made: 'Contacted',
  },
};

export function timelineText(l: Locale, kind: string, d: Record<string, unknown>): string {
  if (kind === 'note') return String(d.body ?? '');
  if (kind === 'containment' || kind === 'containment_released') {
    const action = typeof d.action === 'string' ? d.action : '';
    const extra = ['network', 'origin', 'key', 'customers', 'sessions'].filter((k) => d[k] !== undefined).map((k) => `${k}: ${String(d[k])}`).join(', ');
    return `${kind === 'containment_released' ? '↩ ' : ''}${t(l, `a_${action}` as never)}${extra ? `（${extra}）` : ''}`;
  }
  const base = kinds[l][kind] ?? kind;
  const facts = Object.entries(d).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => `${k}: ${String(v)}`).join(', ');
  return facts ? `${base}（${facts}）` : base;
}
