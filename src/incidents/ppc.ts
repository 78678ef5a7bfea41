import { appiTriggers, ppcDeadlines, type AppiTriggers } from './appi.ts';
import { dataKindLabels, kindLabels } from './notice-text.ts';
import { dataKinds } from './scope.ts';
import type { Incident } from './store.ts';
import type { IncidentDb } from './tables.ts';

export type PpcStage = 'preliminary' | 'final';

/** The PPC report form's fields (個人情報保護法施行規則8条 1項 1〜9号), one key each. */
export const ppcFields = ['overview', 'data_items', 'number_of_people', 'cause', 'secondary_harm', 'response_to_individuals', 'publication', 'prevention_measures', 'other'] as const;
export type PpcField = (typeof ppcFields)[number];

export const ppcFieldLabels: Record<PpcField, string> = {
  overview: '概要',
  data_items: '漏えい等が発生し、又は発生したおそれがある個人データの項目',
  number_of_people: '漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数',
  cause: '原因',
  secondary_harm: '二次被害又はそのおそれの有無及びその内容',
  response_to_individuals: '本人への対応の実施状況',
  publication: '公表の実施状況',
  prevention_measures: '再発防止のための措置',
  other: 'その他参考となる事項',
};

export interface PpcReport {
  stage: PpcStage;
  stage_label: string;
  incident_id: number;
  known_at: string;
  deadline: string;
  triggers: AppiTriggers;
  fields: Record<PpcField, string>;
  /** Fields the owner edited (the rest are generated from the incident as it stands). */
  edited: PpcField[];
  submitted_at: string | null;
}

const jst = (d: Date) => new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') + ' JST';

/** A draft prefilled from the incident: its scope, campaigns, notice and timeline. Every field is filled. */
export async function ppcDraft(db: IncidentDb, inc: Incident, stage: PpcStage): Promise<PpcReport> {
  const scope = await db.selectFrom('incident_scope').select(['counts', 'total', 'criteria']).where('incident_id', '=', inc.id).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const counts = (scope?.counts ?? {}) as Record<string, number>;
  const people = scope?.total ?? 0;
  const card = counts.card ?? 0;
  const campaigns = await db.selectFrom('incident_campaign as c').leftJoin('incident_recipient as r', 'r.campaign_id', 'c.id').select(['c.id', 'c.status', 'r.status as rstatus']).where('c.incident_id', '=', inc.id).execute();
  const mailed = campaigns.filter((c) => c.rstatus === 'sent' || c.rstatus === 'queued').length;
  const letters = campaigns.filter((c) => c.rstatus === 'bounced' || c.rstatus === 'letter').length;
  const published = await db.selectFrom('incident_notice').select(['version', 'published_at']).where('incident_id', '=', inc.id).where('published_at', 'is not', null).orderBy('version', 'desc').limit(1).executeTakeFirst();
  const containments = await db.selectFrom('incident_event').select(['at', 'detail']).where('incident_id', '=', inc.id).where('kind', '=', 'containment').orderBy('id').execute();
  const contacts = await db.selectFrom('incident_contact').select(['kind', 'organisation', 'reference', 'contacted_at']).where('incident_id', '=', inc.id).orderBy('id').execute();
  const contactKindJa: Record<string, string> = { police: '警察', card_company: 'カード会社', payment_provider: '決済代行会社', ppc: '個人情報保護委員会', other: 'その他' };
  const contactText = contacts.length
    ? contacts.map((c) => `${contactKindJa[c.kind] ?? c.kind}（${c.organisation}${c.reference ? `、受付番号 ${c.reference}` : ''}）: ${c.contacted_at ? `${jst(new Date(c.contacted_at))} 連絡済み` : '未連絡'}`).join('、')
    : '警察・カード会社への連絡状況はタスク一覧を参照';
  const knownAt = new Date(inc.known_at);
  const deadlines = ppcDeadlines(knownAt, inc.malicious);
  const items = dataKinds.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${dataKindLabels.ja[k]}（${counts[k]}名）`);
  const criteria = scope?.criteria;
  const fields: Record<PpcField, string> = {
    overview: `${jst(knownAt)} に「${kindLabels.ja[inc.kind]}」の事案を把握した（件名: ${inc.title}）。${inc.alert_id ? `検知システムのアラート #${inc.alert_id} による。` : ''}${criteria ? `対象期間 ${criteria.from} 〜 ${criteria.to}。` : ''}`,
    data_items: items.length ? items.join('、') : '調査中',
    number_of_people: scope ? `${people}名（うちカード決済 ${card}名）` : '調査中',
    cause: inc.kind === 'card_skimming' ? '第三者による不正アクセスにより決済画面に不正なスクリプトが設置され、入力されたカード情報等が窃取されたおそれ（詳細は調査中）' : '調査中',
    secondary_harm: card > 0 ? 'クレジットカードの不正利用のおそれあり。現時点で確認された被害: 調査中' : '現時点で二次被害は確認されていない',
    response_to_individuals: mailed + letters > 0 ? `メールでの通知 ${mailed}名、郵送での通知 ${letters}名（メールが届かない方・アドレスのない方）` : '通知の準備中',
    publication: published ? `お知らせページで公表（第${published.version}版、${jst(new Date(published.published_at!))}）` : '公表の準備中',
    prevention_measures: containments.length ? `実施済みの措置: ${containments.map((c) => `${(c.detail as { action?: string }).action ?? ''}（${jst(new Date(c.at))}）`).join('、')}。恒久的な再発防止策は検討中。` : '検討中',
    other: `悪意のある事案: ${inc.malicious ? 'はい（確報期限60日）' : 'いいえ'}。関係先への連絡: ${contactText}。`,
  };
  const triggers = appiTriggers({ kind: inc.kind, malicious: inc.malicious, keysExposed: inc.keys_exposed, people, cardPeople: card });
  const saved = await db.selectFrom('incident_report').select(['fields', 'submitted_at']).where('incident_id', '=', inc.id).where('stage', '=', stage).executeTakeFirst();
  const edited = ppcFields.filter((f) => typeof saved?.fields[f] === 'string' && saved.fields[f]!.trim() !== '');
  for (const f of edited) fields[f] = saved!.fields[f]!;
  return {
    stage,
    stage_label: stage === 'preliminary' ? '速報' : '確報',
    incident_id: inc.id,
    known_at: knownAt.toISOString(),
    deadline: (stage === 'preliminary' ? deadlines.preliminaryBy : deadlines.finalBy).toISOString(),
    triggers,
    fields,
    edited,
    submitted_at: saved?.submitted_at ? new Date(saved.submitted_at).toISOString() : null,
  };
}

export function ppcText(r: PpcReport): string {
  return [
    `個人情報保護委員会への報告（${r.stage_label}）下書き — 事案 #${r.incident_id}`,
    `把握日時: ${jst(new Date(r.known_at))} / 提出期限: ${jst(new Date(r.deadline))}${r.submitted_at ? ` / 提出済み: ${jst(new Date(r.submitted_at))}` : ''}`,
    '',
    ...ppcFields.flatMap((f, i) => [`${i + 1}. ${ppcFieldLabels[f]}`, r.fields[f], '']),
  ].join('\n');
}
