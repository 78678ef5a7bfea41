import type { IncidentKind } from './tables.ts';

/** The checklist each kind of incident starts with (editable on the case; DFIR-IRIS / TheHive case templates). */
export const taskTemplates: Record<IncidentKind, readonly string[]> = {
  card_skimming: [
    'カード決済を停止する',
    '改ざんされたファイル・スクリプトを特定し、証拠を保全する',
    'カード会社・決済代行会社へ連絡する（影響注文の一覧を渡す）',
    '影響を受けたお客様を特定する（対象期間・カード払い）',
    '個人情報保護委員会へ速報を出す（3〜5日以内）',
    'お客様へ通知する（メール・届かない方へ郵送）',
    'お詫びとお知らせを公開する',
    '警察へ相談・届出する',
    '原因を取り除き、再発防止策を決める',
    '個人情報保護委員会へ確報を出す（60日以内）',
  ],
  data_leak: [
    '漏えい経路を止める',
    '証拠を保全する',
    '影響を受けたお客様と項目を特定する',
    '個人情報保護委員会へ速報を出す（3〜5日以内）',
    'お客様へ通知する',
    'お詫びとお知らせを公開する',
    '再発防止策を決める',
    '個人情報保護委員会へ確報を出す（30日／不正目的は60日以内）',
  ],
  account_takeover: [
    '全セッションを失効させる',
    '対象アカウントのパスワード再設定を求める',
    '攻撃元のネットワークを遮断する',
    '不正な注文・変更を確認する',
    '影響を受けたお客様へ通知する',
    '個人情報保護委員会への報告要否を判断する',
  ],
  defacement: ['ストアを一時休止する', '改ざん箇所を特定し、証拠を保全する', '正しいファイルに戻す', '原因を取り除く', 'お知らせを公開する'],
  other: ['状況を記録する', '影響範囲を確認する', '報告・通知の要否を判断する'],
};

/** Skimming is malicious by definition (APPI rule 7 item 3; since April 2024 skimmed form input counts). */
export const maliciousByDefault: Record<IncidentKind, boolean> = { card_skimming: true, data_leak: false, account_takeover: true, defacement: true, other: false };
