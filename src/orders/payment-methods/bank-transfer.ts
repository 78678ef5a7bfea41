import type { Locale } from '../../platform/i18n/index.ts';
import { formatYen } from '../../platform/i18n/index.ts';
import type { PaymentMethod } from './method.ts';
import { t } from './messages.ts';

const dayMs = 24 * 3600_000;
const dateFormats = {
  ja: new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }),
};

/** The last day (Japan time) to pay: `days` days after the order was placed. */
export function paymentDeadline(placedAt: Date, days: number): Date {
  return new Date(placedAt.getTime() + days * dayMs);
}

/** Issue 10: a guest order's deadline, in hours (stock held by unpaid guest orders comes back sooner). */
export function guestPaymentDeadline(placedAt: Date, hours: number): Date {
  return new Date(placedAt.getTime() + hours * 3600_000);
}

const dateTimeFormats = {
  ja: new Intl.DateTimeFormat('ja-JP', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Tokyo' }),
};

export function formatDateTime(date: Date, locale: Locale): string {
  return dateTimeFormats[locale].format(date);
}

export function formatDate(date: Date, locale: Locale): string {
  return dateFormats[locale].format(date);
}

/** 銀行振込: no fee; the order waits for the transfer and ships after it arrives. */
export const bankTransfer: PaymentMethod = {
  id: 'bank_transfer',
  label: (locale) => t(locale, 'bankLabel'),
  description: (locale, settings) => t(locale, 'bankDescription', { days: settings.bank_transfer_days, hours: settings.guest_bank_transfer_hours }),
  fee: () => 0,
  initialStatus: 'awaiting_payment',
  shipsBeforePayment: false,
  nextStep: async () => ({ kind: 'confirmation' }),
  instructions(locale, order, settings) {
    const account = settings.bank_account.trim();
    return {
      title: t(locale, 'bankTitle'),
      details: [
        { label: t(locale, 'bankAccount'), value: account || t(locale, 'bankAccountPending') },
        { label: t(locale, 'amount'), value: formatYen(order.total, locale) },
        { label: t(locale, 'deadline'), value: order.guest ? formatDateTime(guestPaymentDeadline(order.placedAt, settings.guest_bank_transfer_hours), locale) : formatDate(paymentDeadline(order.placedAt, settings.bank_transfer_days), locale) },
        { label: t(locale, 'orderNumber'), value: order.number },
      ],
      notes: [t(locale, 'bankNameNote', { number: order.number }), t(locale, 'bankFeeNote'), t(locale, 'bankCancelNote')],
    };
  },
};
