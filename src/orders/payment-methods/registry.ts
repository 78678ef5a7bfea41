import { html, type SafeHtml } from '../../platform/http/html.ts';
import { bankTransfer } from './bank-transfer.ts';
import { cardPayment } from './card.ts';
import { cashOnDelivery } from './cash-on-delivery.ts';
import { konbiniPayment, payeasyPayment, paypayPayment } from './hosted-methods.ts';
import type { PaymentInstructions, PaymentMethod } from './method.ts';
import type { ShopSettings } from '../../settings/settings.ts';

/** The payment methods a shop offers by default (Stripe for cards), in display order. The first is preselected. */
export const paymentMethods: readonly PaymentMethod[] = [bankTransfer, cashOnDelivery, cardPayment];

/** Every payment method there is: the default ones and those a second provider (KOMOJU) adds. */
export const allPaymentMethods: readonly PaymentMethod[] = [...paymentMethods, konbiniPayment, paypayPayment, payeasyPayment];

/** Methods paid on a provider's hosted page: offered only as the shop's settings and provider allow. */
const hostedIds = new Set(['card', 'konbini', 'paypay', 'payeasy']);

/** Paid on a provider's page (card; KOMOJU's コンビニ決済, PayPay, Pay-easy): paid and refunded only through the provider. */
export const isHostedPaymentMethod = (id: string) => hostedIds.has(id);

/**
 * The methods checkout offers: bank transfer and cash on delivery always; hosted-page methods as chosen in the
 * shop's settings and offered by its provider (Stripe: card only; KOMOJU: card, コンビニ決済, PayPay, Pay-easy).
 */
export function offeredPaymentMethods(settings: Pick<ShopSettings, 'payment_provider' | 'hosted_methods'> & Partial<Pick<ShopSettings, 'shipping'>>, komojuConfigured = true): readonly PaymentMethod[] {
  const provider = settings.payment_provider === 'komoju' && komojuConfigured ? 'komoju' : 'stripe';
  // Issue 16: bank transfer and cash on delivery can be switched off in 送料・配送設定.
  const off = new Set<string>(settings.shipping?.payment_methods_off ?? []);
  return allPaymentMethods.filter((m) => !off.has(m.id) && (!hostedIds.has(m.id) || (m.id === 'card' ? settings.hosted_methods.includes('card') : provider === 'komoju' && settings.hosted_methods.includes(m.id as 'konbini'))));
}

export const paymentMethodIds = allPaymentMethods.map((m) => m.id) as [string, ...string[]];

/** A method by the id stored on an order (e.g. to show its name and instructions). */
export function paymentMethod(id: string): PaymentMethod | undefined {
  return allPaymentMethods.find((m) => m.id === id);
}

/** Instructions as HTML for the order confirmation page (every value escaped). */
export function instructionsHtml(instructions: PaymentInstructions): SafeHtml {
  return html`<section class="summary stack" aria-labelledby="payment-instructions">
  <h2 id="payment-instructions">${instructions.title}</h2>
  <dl>${instructions.details.map((d) => html`<dt>${d.label}</dt><dd>${d.value}</dd>`)}</dl>
  ${instructions.notes.map((n) => html`<p class="small muted">${n}</p>`)}
  ${instructions.action ? html`<p><a class="btn btn-primary" href="${instructions.action.href}" data-payment-action>${instructions.action.label}</a></p>` : ''}
</section>`;
}

/** Instructions as plain text for e-mail. */
export function instructionsText(instructions: PaymentInstructions): string {
  return [instructions.title, ...instructions.details.map((d) => `${d.label}: ${d.value}`), ...instructions.notes].join('\n');
}
