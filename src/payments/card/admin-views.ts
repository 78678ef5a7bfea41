import { html, type SafeHtml } from '../../platform/http/html.ts';
import { defineMessages, formatYen, type Locale } from '../../platform/i18n/index.ts';
import type { CardPaymentView } from './service.ts';

export const cardAdminNotices = ['refunded', 'replayed', 'captured', 'voided', 'amount', 'state', 'provider'] as const;
export type CardAdminNotice = (typeof cardAdminNotices)[number];

export const m = defineMessages({
  ja: {
    title: 'カード決済',
    status: '決済状況',
    provider: '決済代行',
    reference: '決済ID',
    card: 'カード',
    expiry: '有効期限',
    capture: '売上確定',
    amount: '決済金額',
    refunded: '返金済み金額',
    refundAmount: '返金額（円）',
    refundHint: '空欄の場合は残額を全額返金します。返金は決済代行会社を通じて行われます。',
    refundButton: '返金する',
    captureButton: '売上を確定する',
    voidButton: '与信を取り消す',
    automatic: '自動',
    manual: '手動（与信のみ）',
    none: 'このご注文のカード決済はまだ作成されていません。',
    n_refunded: '返金を受け付けました。',
    n_replayed: 'この返金はすでに受け付けています（二重送信のため一度だけ行いました）。',
    n_captured: '売上を確定しました。',
    n_voided: '与信を取り消しました。',
    n_amount: '返金額は1円から残額までの整数で入力してください。',
    n_state: '現在の決済状況ではこの操作はできません。',
    n_provider: '決済代行会社との通信に失敗しました。しばらくしてからもう一度お試しください。',
    needsAttention: '注文がキャンセル済みなのに決済が成立しています。返金してください。',
  },
  en: {
    title: 'Card payment',
    status: 'Payment status',
    provider: 'Provider',
    reference: 'Payment ID',
    card: 'Card',
    expiry: 'Expiry',
    capture: 'Capture',
    amount: 'Amount',
    refunded: 'Refunded',
    refundAmount: 'Refund amount (JPY)',
    refundHint: 'Leave empty to refund the rest in full. Refunds go through the payment provider.',
    refundButton: 'Refund',
    captureButton: 'Capture payment',
    voidButton: 'Void authorization',
    automatic: 'automatic',
    manual: 'manual (authorize only)',
    none: 'No card payment has been created for this order yet.',
    n_refunded: 'The refund was accepted.',
    n_replayed: 'This refund had already been accepted (a repeated submit refunds once).',
    n_captured: 'The payment was captured.',
    n_voided: 'The authorization was voided.',
    n_amount: 'Enter a whole amount from ¥1 up to the amount not yet refunded.',
    n_state: 'This cannot be done in the current payment state.',
    n_provider: 'The payment provider could not be reached. Please try again shortly.',
    needsAttention: 'The order is cancelled but the payment went through. Please refund it.',
  },
});

const statusNames: Record<CardPaymentView['status'], { ja: string; en: string }> = {
  open: { ja: '未払い', en: 'open' },
  processing: { ja: '認証中', en: 'processing' },
  failed: { ja: '失敗（再試行可）', en: 'failed (can retry)' },
  authorized: { ja: '与信済み（売上未確定）', en: 'authorized (not captured)' },
  paid: { ja: '支払い済み', en: 'paid' },
  partially_refunded: { ja: '一部返金', en: 'partly refunded' },
  refunded: { ja: '全額返金', en: 'refunded' },
  expired: { ja: '期限切れ・中断', en: 'expired / abandoned' },
  voided: { ja: '与信取消', en: 'voided' },
  needs_attention: { ja: '要確認', en: 'needs attention' },
};

/** The card section of the admin order page: status, provider reference, brand/last 4, refund/capture/void. */
export function cardAdminSection(orderId: number, p: CardPaymentView | null, o: { canWrite: boolean; notice?: CardAdminNotice }, l: Locale): SafeHtml {
  const notice = o.notice ? html`<p class="alert ${o.notice === 'amount' || o.notice === 'state' || o.notice === 'provider' ? 'alert-error' : 'alert-success'}" role="status">${m(l, `n_${o.notice}`)}</p>` : '';
  if (!p) return html`<section class="card" aria-labelledby="card-payment"><h2 id="card-payment">${m(l, 'title')}</h2>${notice}<p>${m(l, 'none')}</p></section>`;
  const refundable = p.status === 'paid' || p.status === 'partially_refunded' || p.status === 'needs_attention';
  const base = `/admin/orders/${orderId}/card`;
  return html`<section class="card" aria-labelledby="card-payment"><h2 id="card-payment">${m(l, 'title')}</h2>${notice}
${p.status === 'needs_attention' ? html`<p class="alert alert-error" role="alert">${m(l, 'needsAttention')}</p>` : ''}
<dl class="order-facts" data-card-payment>
  <dt>${m(l, 'status')}</dt><dd data-card-status="${p.status}">${statusNames[p.status][l]}</dd>
  <dt>${m(l, 'provider')}</dt><dd>${p.provider}</dd>
  <dt>${m(l, 'reference')}</dt><dd><code>${p.paymentIntentId ?? p.sessionId}</code></dd>
  ${p.last4 ? html`<dt>${m(l, 'card')}</dt><dd>${(p.brand ?? '').toUpperCase()} •••• ${p.last4}</dd><dt>${m(l, 'expiry')}</dt><dd>${String(p.expMonth ?? '').padStart(2, '0')}/${p.expYear ?? ''}</dd>` : ''}
  <dt>${m(l, 'capture')}</dt><dd>${m(l, p.captureMethod)}</dd>
  <dt>${m(l, 'amount')}</dt><dd>${formatYen(p.amount, l)}</dd>
  <dt>${m(l, 'refunded')}</dt><dd>${formatYen(p.amountRefunded, l)}</dd>
</dl>
${o.canWrite && refundable ? html`<form method="post" action="${base}/refund" class="status-action">
  <div class="field"><label for="card-refund-amount">${m(l, 'refundAmount')}</label>
  <input id="card-refund-amount" name="amount" type="text" inputmode="numeric" maxlength="9" autocomplete="off" aria-describedby="card-refund-hint"></div>
  <p class="hint" id="card-refund-hint">${m(l, 'refundHint')}</p>
  <input type="hidden" name="refunded_before" value="${p.amountRefunded}">
  <button type="submit" class="btn btn-danger">${m(l, 'refundButton')}</button></form>` : ''}
${o.canWrite && p.status === 'authorized' ? html`<form method="post" action="${base}/capture" class="status-action"><button type="submit" class="btn btn-primary">${m(l, 'captureButton')}</button></form>
<form method="post" action="${base}/void" class="status-action"><button type="submit" class="btn btn-danger">${m(l, 'voidButton')}</button></form>` : ''}
</section>`;
}
