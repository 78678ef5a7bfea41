import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';
import { isBackwards, type RefusalReason } from './state-machine.ts';
import type { OrderStatus } from './tables.ts';

const dayFormats = {
  ja: new Intl.DateTimeFormat('ja-JP', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'Asia/Tokyo' }),
};
const isoDay = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'Asia/Tokyo' });

/** A calendar day in Japan, e.g. 2026年11月21日 / 21 Nov 2026. */
export function formatDay(date: Date, locale: Locale): string {
  return dayFormats[locale].format(date);
}

/** YYYY-MM-DD of the day in Japan. */
export function jstIsoDay(date: Date): string {
  return isoDay.format(date);
}

/** The first instant of a Japanese calendar day given as YYYY-MM-DD. */
export function startOfJstDay(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00+09:00`);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

export function statusLabel(status: OrderStatus, locale: Locale): string {
  return t(locale, `status_${status}`);
}

/**
 * The status as staff read it, true to the payment method: a cash-on-delivery order waiting for its money is
 * waiting to ship; a card order waiting is a payment in progress (or abandoned, once cancelled), not a bank
 * transfer the shop should look out for.
 */
export function orderStatusLabel(status: OrderStatus, paymentMethod: string, locale: Locale): string {
  const key = `${paymentMethod}>${status}`;
  switch (key) {
    case 'cod>awaiting_payment':
      return t(locale, 'status_cod_awaiting');
    case 'bank_transfer>awaiting_payment':
      return t(locale, 'status_bank_awaiting');
    case 'card>awaiting_payment':
      return t(locale, 'status_card_awaiting');
    case 'card>paid':
      return t(locale, 'status_card_paid');
    case 'card>cancelled':
      return t(locale, 'status_card_abandoned');
    default:
      return statusLabel(status, locale);
  }
}

export function refusalMessage(reason: RefusalReason, from: OrderStatus, to: OrderStatus, locale: Locale): string {
  const names = { from: statusLabel(from, locale), to: statusLabel(to, locale) };
  switch (reason) {
    case 'unchanged':
      return t(locale, 'refused_unchanged', names);
    case 'paid_needs_refund':
      return t(locale, 'refused_paid_needs_refund');
    case 'cod_only':
      return t(locale, 'refused_cod_only');
    case 'illegal':
      return t(locale, isBackwards(from, to) ? 'refused_backwards' : 'refused_illegal', names);
  }
}
