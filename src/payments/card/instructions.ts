import type { OrderView } from '../../orders/service.ts';
import type { AppContext } from '../../platform/context.ts';
import { defineMessages, formatYen, type Locale } from '../../platform/i18n/index.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import { formatDateTime } from '../../orders/payment-methods/bank-transfer.ts';
import type { PaymentInstructions } from '../../orders/payment-methods/method.ts';
import type { AsyncInstructions } from '../provider.ts';

const t = defineMessages({
  ja: {
    konbiniTitle: 'コンビニでのお支払い方法',
    payeasyTitle: 'Pay-easy（ペイジー）でのお支払い方法',
    store: 'お支払い先',
    receipt: 'お支払い番号',
    confirmation: '確認番号',
    amount: 'お支払い金額',
    deadline: 'お支払い期限',
    orderNumber: 'ご注文番号',
    details: '詳しいお支払い手順',
    deadlineNote: 'お支払い期限を過ぎるとご注文は自動でキャンセルされ、商品の確保も解除されます。',
    paidNote: 'お支払いが確認できしだい、メールでお知らせして発送の準備に入ります。',
    mailSubject: '【{shop}】お支払い番号のご案内（ご注文 {number}）',
    mailIntro: 'ご注文ありがとうございます。以下の内容でお支払いください。',
    payeasyBank: '銀行ATM・ネットバンキング（Pay-easy）',
  },
  en: {
    konbiniTitle: 'How to pay at a convenience store',
    payeasyTitle: 'How to pay with Pay-easy',
    store: 'Pay at',
    receipt: 'Payment number',
    confirmation: 'Confirmation number',
    amount: 'Amount',
    deadline: 'Pay by',
    orderNumber: 'Order number',
    details: 'Step-by-step instructions',
    deadlineNote: 'If the payment is not made by the deadline, the order is cancelled automatically and the items are released.',
    paidNote: 'We will e-mail you once the payment arrives and then prepare your order for shipping.',
    mailSubject: '[{shop}] Your payment number (order {number})',
    mailIntro: 'Thank you for your order. Please pay as follows.',
    payeasyBank: 'Bank ATM or online banking (Pay-easy)',
  },
});

const stores: Record<string, { ja: string; en: string }> = {
  lawson: { ja: 'ローソン', en: 'Lawson' },
  family_mart: { ja: 'ファミリーマート', en: 'FamilyMart' },
  seven_eleven: { ja: 'セブン-イレブン', en: '7-Eleven' },
  ministop: { ja: 'ミニストップ', en: 'Ministop' },
  daily_yamazaki: { ja: 'デイリーヤマザキ', en: 'Daily Yamazaki' },
  seicomart: { ja: 'セイコーマート', en: 'Seicomart' },
};

export function storeName(store: string | null, locale: Locale): string {
  if (!store) return '';
  return stores[store]?.[locale] ?? store;
}

/** What the shopper takes to the store or the bank, as the orders domain renders instructions (page and mail). */
export function asyncInstructions(locale: Locale, i: AsyncInstructions, order: { number: string; total: number }): PaymentInstructions {
  const details: PaymentInstructions['details'] = [];
  details.push({ label: t(locale, 'store'), value: i.method === 'payeasy' ? t(locale, 'payeasyBank') : storeName(i.store, locale) });
  if (i.receipt) details.push({ label: t(locale, 'receipt'), value: i.receipt });
  if (i.confirmationCode) details.push({ label: t(locale, 'confirmation'), value: i.confirmationCode });
  details.push({ label: t(locale, 'amount'), value: formatYen(order.total, locale) });
  if (i.deadline) details.push({ label: t(locale, 'deadline'), value: formatDateTime(i.deadline, locale) });
  details.push({ label: t(locale, 'orderNumber'), value: order.number });
  if (i.url) details.push({ label: t(locale, 'details'), value: i.url });
  return { title: t(locale, i.method === 'payeasy' ? 'payeasyTitle' : 'konbiniTitle'), details, notes: [t(locale, 'deadlineNote'), t(locale, 'paidNote')] };
}

/** The payment number by mail, queued once when the provider first reports it. */
export async function mailInstructions(ctx: AppContext, order: OrderView, i: AsyncInstructions, shopName: string): Promise<void> {
  const l = order.locale;
  const ins = asyncInstructions(l, i, order);
  const text = [t(l, 'mailIntro'), '', ins.title, ...ins.details.map((d) => `${d.label}: ${d.value}`), '', ...ins.notes].join('\n');
  await queueMail(ctx.db, { kind: 'payments.instructions', to: order.email, subject: t(l, 'mailSubject', { shop: shopName, number: order.number }), text });
}
