import { html, type SafeHtml } from '../platform/http/html.ts';
import { bankTransfer } from './bank-transfer.ts';
import { cardPayment } from './card/method.ts';
import { cashOnDelivery } from './cash-on-delivery.ts';
import type { PaymentInstructions, PaymentMethod } from './method.ts';

/** The payment methods offered at checkout, in display order. The first is preselected. */
export const paymentMethods: readonly PaymentMethod[] = [bankTransfer, cashOnDelivery, cardPayment];

export const paymentMethodIds = paymentMethods.map((m) => m.id) as [string, ...string[]];

/** A method by the id stored on an order (e.g. to show its name and instructions). */
export function paymentMethod(id: string): PaymentMethod | undefined {
  return paymentMethods.find((m) => m.id === id);
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
