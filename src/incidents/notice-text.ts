import type { Locale } from '../platform/i18n/index.ts';
import type { DataKind } from './scope.ts';
import type { IncidentKind, NoticeBody } from './tables.ts';

export const kindLabels: Record<Locale, Record<IncidentKind, string>> = {
  ja: { card_skimming: 'カード情報の窃取（スキミング）', data_leak: '個人情報の漏えい', account_takeover: 'アカウントの乗っ取り', defacement: 'サイトの改ざん', other: 'その他' },
  en: { card_skimming: 'Card skimming', data_leak: 'Data leak', account_takeover: 'Account takeover', defacement: 'Defacement', other: 'Other' },
};

export const dataKindLabels: Record<Locale, Record<DataKind, string>> = {
  ja: { name: '氏名', email: 'メールアドレス', address: '住所', phone: '電話番号', order_history: 'ご注文の内容', card_brand_last4: 'クレジットカード情報（カード番号・有効期限・セキュリティコードが入力画面から窃取されたおそれ）', password_hash: 'パスワード（暗号学的に変換した値）' },
  en: { name: 'name', email: 'e-mail address', address: 'postal address', phone: 'phone number', order_history: 'order details', card_brand_last4: 'card details (number, expiry and security code may have been captured from the payment form)', password_hash: 'password (stored as a one-way hash)' },
};

/** T4 (FM Tokyo's customers got "pay again" phishing): every notice says what the shop never does, and where to check. */
export function antiPhishing(l: Locale, shopUrl: string): string {
  return l === 'ja'
    ? `【ご注意】当店がメールや電話でカード番号・暗証番号をお尋ねしたり、お支払いのやり直しをお願いしたりすることはありません。当店からのお知らせのリンク先は必ず ${shopUrl} です。このお知らせが本物かどうかは、当店サイトのお知らせページ（${shopUrl}/notice）でご確認いただけます。`
    : `Please note: we will never ask you for your card number or PIN, or ask you to pay again, by e-mail or phone. Our notices only ever link to ${shopUrl}. You can check that this notice is genuine on our notice page (${shopUrl}/notice).`;
}

/** The public notice (お詫びとお知らせ) generated from the incident, edited before publishing. */
export function defaultNotice(p: { shopName: string; kind: IncidentKind; knownAt: Date; people: number; kinds: DataKind[] }): NoticeBody {
  const items = p.kinds.map((k) => dataKindLabels.ja[k]).join('、') || '調査中';
  return {
    title: `不正アクセスによる個人情報漏えいに関するお詫びとお知らせ`,
    background: `${p.knownAt.toISOString().slice(0, 10)}、当店（${p.shopName}）のサイトにおいて「${kindLabels.ja[p.kind]}」の事案を確認いたしました。直ちに対象機能を停止し、調査を開始しました。`,
    status: `影響を受けたおそれのあるお客様: ${p.people.toLocaleString('ja-JP')}名。対象となる情報: ${items}。`,
    request: 'お手元のカードのご利用明細に身に覚えのない請求がないかご確認ください。不審な請求があった場合は、カード裏面の連絡先へお問い合わせください。当店がメール等でカード情報やお支払いのやり直しをお願いすることはありません。',
    prevention: '改ざんの検知体制と決済ページの保護を強化し、外部の専門家とともに再発防止に取り組みます。',
    contact: `${p.shopName} お問い合わせ窓口（このページの連絡先）`,
  };
}

/** The mail to one affected person: the contents APPI rule 10 asks for (summary, items, cause, harm, what to do, contact). */
export function noticeMail(l: Locale, p: { shopName: string; shopUrl: string; name: string; notice: NoticeBody; kinds: DataKind[]; card: boolean }): { subject: string; text: string } {
  const items = p.kinds.map((k) => dataKindLabels[l][k]).join(l === 'ja' ? '、' : ', ');
  if (l === 'en') {
    return {
      subject: `[${p.shopName}] Important notice about your personal information`,
      text: [
        `Dear ${p.name},`,
        '',
        `We are writing to tell you about a security incident at ${p.shopName}, and we sincerely apologise.`,
        '',
        `What happened: ${p.notice.background}`,
        `Your information that may be affected: ${items}`,
        `Cause and what we did: ${p.notice.prevention}`,
        `Possible harm and what to do: ${p.card ? 'Please check your card statements for charges you do not recognise and contact your card issuer if you find any. ' : ''}${p.notice.request}`,
        `Contact: ${p.notice.contact}`,
        `Full notice: ${p.shopUrl}/notice`,
        '',
        antiPhishing('en', p.shopUrl),
      ].join('\n'),
    };
  }
  return {
    subject: `【${p.shopName}】個人情報に関する重要なお知らせとお詫び`,
    text: [
      `${p.name} 様`,
      '',
      `このたび、${p.shopName}において下記の事案が発生いたしました。お客様には多大なるご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。`,
      '',
      `■ 経緯: ${p.notice.background}`,
      `■ お客様の対象となる情報: ${items}`,
      `■ 原因と対応: ${p.notice.prevention}`,
      `■ 想定される被害とお願い: ${p.card ? 'カードのご利用明細に身に覚えのない請求がないかご確認ください。' : ''}${p.notice.request}`,
      `■ お問い合わせ: ${p.notice.contact}`,
      `■ お知らせ全文: ${p.shopUrl}/notice`,
      '',
      antiPhishing('ja', p.shopUrl),
    ].join('\n'),
  };
}
