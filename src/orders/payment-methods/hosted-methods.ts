import { defineMessages, formatYen } from '../../platform/i18n/index.ts';
import type { PaymentMethod } from './method.ts';

const t = defineMessages({
  ja: {
    konbiniLabel: 'コンビニ決済',
    konbiniDescription: '決済代行会社のページでお支払いするコンビニを選ぶと、お支払い番号が表示され、メールでもお知らせします。期限までに店頭で現金でお支払いください。ご入金を確認してから発送します。',
    paypayLabel: 'PayPay',
    paypayDescription: 'PayPayアプリでお支払いいただけます（決済代行会社のページへ移動します）。',
    payeasyLabel: 'Pay-easy（ペイジー）',
    payeasyDescription: '銀行ATMやネットバンキングでお支払いいただけます。お支払い番号は決済代行会社のページとメールでお知らせします。',
    title: 'お支払いのご案内',
    amount: 'お支払い金額',
    orderNumber: 'ご注文番号',
    pendingNote: 'お支払い番号とお支払い期限は、お支払い先を選んだ後にこのページとメールでお知らせします。',
    payNow: 'お支払い手続きへ進む',
  },
  en: {
    konbiniLabel: 'Convenience store (konbini)',
    konbiniDescription: "Choose a convenience store on our payment provider's page; you get a payment number there and by e-mail. Pay in cash at the store by the deadline. We ship once the payment arrives.",
    paypayLabel: 'PayPay',
    paypayDescription: "Pay with the PayPay app (on our payment provider's page).",
    payeasyLabel: 'Pay-easy',
    payeasyDescription: 'Pay at a bank ATM or by online banking. The payment number is shown on the provider’s page and sent by e-mail.',
    title: 'How to pay',
    amount: 'Amount',
    orderNumber: 'Order number',
    pendingNote: 'Your payment number and deadline are shown on this page and sent by e-mail once you choose where to pay.',
    payNow: 'Continue to payment',
  },
});

/** A method paid on a provider's hosted page other than card (KOMOJU): bound to the provider in `createPayments()`. */
function hosted(id: 'konbini' | 'paypay' | 'payeasy'): PaymentMethod {
  return {
    id,
    label: (l) => t(l, `${id}Label`),
    description: (l) => t(l, `${id}Description`),
    fee: () => 0,
    initialStatus: 'awaiting_payment',
    shipsBeforePayment: false,
    async nextStep() {
      throw new Error(`${id} payments start through PaymentsService.method("${id}")`);
    },
    instructions(l, order) {
      return {
        title: t(l, 'title'),
        details: [
          { label: t(l, 'amount'), value: formatYen(order.total, l) },
          { label: t(l, 'orderNumber'), value: order.number },
        ],
        notes: [t(l, 'pendingNote')],
        action: { label: t(l, 'payNow'), href: `/checkout/card/pay?order=${encodeURIComponent(order.number)}` },
      };
    },
  };
}

export const konbiniPayment = hosted('konbini');
export const paypayPayment = hosted('paypay');
export const payeasyPayment = hosted('payeasy');
