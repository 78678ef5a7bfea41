import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { t } from '../messages.ts';
import type { OrderView } from '../model.ts';

/** Whether a card order's shopper may still take another way: its payment never went through. */
export function cardRecoverable(order: Pick<OrderView, 'paymentMethod' | 'status' | 'paidAt'>): boolean {
  return order.paymentMethod === 'card' && order.paidAt === null && (order.status === 'awaiting_payment' || order.status === 'cancelled');
}

/**
 * The way back after a declined, abandoned or limited card payment: pay by bank transfer instead, or get the
 * cart back. Both withdraw the card order first (POST /checkout/resume), so stock is never held twice.
 */
export function cardRecoveryForm(order: Pick<OrderView, 'number'>, l: Locale): SafeHtml {
  return html`<section class="summary stack card-recovery" aria-labelledby="card-recovery">
<h2 id="card-recovery">${t(l, 'recoveryTitle')}</h2>
<form method="post" action="/checkout/resume" class="cluster">
<input type="hidden" name="order" value="${order.number}">
<button type="submit" name="to" value="bank_transfer" class="btn-primary">${t(l, 'recoveryToBank')}</button>
<button type="submit" name="to" value="cart" class="btn-secondary">${t(l, 'recoveryToCart')}</button>
</form>
<p class="small muted">${t(l, 'recoveryHint')}</p>
</section>`;
}
