import { carrierLabel, trackingUrl } from '../../shipping/carriers.ts';
import { cardRecoverable, cardRecoveryForm } from './card-recovery.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatDateTime, formatYen, type Locale } from '../../platform/i18n/index.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import { formatDay, orderStatusLabel } from '../format.ts';
import { t } from '../messages.ts';
import type { OrderSummary, OrderView } from '../model.ts';
import { shippingLabel } from '../method-views.ts';
import type { Page } from '../queries.ts';
import { isPaid } from '../state-machine.ts';
import { addressBlock, linesTable, paymentSection, sellerBlock, totalsSummary } from './order-parts.ts';

function statusBadge(order: Pick<OrderView, 'status' | 'paymentMethod'>, l: Locale): SafeHtml {
  return html`<span class="status status-${order.status}" data-payment="${order.paymentMethod}">${orderStatusLabel(order.status, order.paymentMethod, l)}</span>`;
}

/** The confirmation right after checkout, and the order's page for its owner afterwards. */
export function orderPage(order: OrderView, shop: ShopSettings, l: Locale, thanksAsked: boolean, card: { brand: string | null; last4: string | null } | null = null): SafeHtml {
  const receiptAvailable = order.status !== 'cancelled' && order.status !== 'refunded';
  // A card order is confirmed (and mailed) only once paid: until then no "thank you, we have received it".
  const thanks = thanksAsked && !(order.paymentMethod === 'card' && order.paidAt === null);
  return html`${thanks
    ? html`<h1>${t(l, 'thanksTitle')}</h1><p class="alert alert-success" role="status">${t(l, 'thanksBody', { email: order.email })}</p>`
    : html`<h1>${t(l, 'orderTitle', { number: order.number })}</h1>`}
<div class="two-col order-page">
  <div class="stack">
    <dl class="order-facts">
      <dt>${t(l, 'orderNumber')}</dt><dd><strong class="order-number">${order.number}</strong></dd>
      <dt>${t(l, 'placedAt')}</dt><dd>${formatDateTime(order.placedAt, l)}</dd>
      <dt>${t(l, 'status')}</dt><dd>${statusBadge(order, l)}</dd>
      <dt>${t(l, 'shippingMethod')}</dt><dd>${shippingLabel(order.shippingMethod, l, order.deliverySlot)}</dd>
      ${order.trackingNumber ? html`<dt>${t(l, 'trackingNumber')}</dt><dd>${carrierLabel(order.carrier, l)} ${order.trackingNumber}${trackingUrl(order.carrier, order.trackingNumber) ? html` <a href="${trackingUrl(order.carrier, order.trackingNumber)!}" rel="noopener noreferrer" target="_blank">${t(l, 'trackingLink')}</a>` : ''}</dd>` : ''}
    </dl>
    ${linesTable(order, l)}
    <section aria-labelledby="ship-to"><h2 id="ship-to">${t(l, 'shipTo')}</h2>${addressBlock(order.shipping, l)}</section>
    ${order.note ? html`<section aria-labelledby="order-note"><h2 id="order-note">${t(l, 'note')}</h2><p class="order-note">${order.note}</p></section>` : ''}
    <section aria-labelledby="paying"><h2 id="paying">${t(l, 'paymentMethod')}</h2>${paymentSection(order, shop, l)}${card?.last4 ? html`<p class="card-used">${t(l, 'cardUsed')}: <span data-card-brand>${cardBrandName(card.brand)}</span> •••• <span data-card-last4>${card.last4}</span></p>` : ''}</section>
    ${cardRecoverable(order) ? cardRecoveryForm(order, l) : ''}
  </div>
  <aside class="stack">
    ${totalsSummary(order, l)}
    <div class="summary small">${sellerBlock(shop, order.invoiceNumber, l)}</div>
    ${receiptAvailable ? html`<p><a class="btn btn-secondary" href="/orders/${order.number}/receipt">${t(l, 'receiptLink')}</a></p>` : ''}
    <p><a href="/products">${t(l, 'continueShopping')}</a></p>
  </aside>
</div>`;
}

/** A printable qualified invoice (適格請求書), titled as a receipt once the money has arrived. */
export function receiptPage(order: OrderView, shop: ShopSettings, l: Locale, issuedAt: Date): SafeHtml {
  const paid = isPaid(order.status, order.paidAt);
  return html`<article class="receipt" aria-labelledby="receipt-title">
<p class="no-print"><a href="/orders/${order.number}">${t(l, 'backToOrder')}</a></p>
<p class="no-print small muted">${t(l, 'printHint')}</p>
<h1 id="receipt-title">${paid ? t(l, 'receiptTitle') : t(l, 'invoiceTitle')}</h1>
<div class="receipt-head">
  <p class="receipt-recipient"><span>${t(l, 'honorific', { name: order.shipping.name })}</span></p>
  <dl class="receipt-meta">
    <dt>${t(l, 'orderNumber')}</dt><dd>${order.number}</dd>
    <dt>${t(l, 'orderedOn')}</dt><dd>${formatDay(order.placedAt, l)}</dd>
    ${paid && order.paidAt ? html`<dt>${t(l, 'paidOn')}</dt><dd>${formatDay(order.paidAt, l)}</dd>` : ''}
    <dt>${t(l, 'issuedOn')}</dt><dd>${formatDay(issuedAt, l)}</dd>
  </dl>
</div>
<p class="receipt-amount">${t(l, 'total')} <strong>${formatYen(order.total, l)}</strong></p>
<p>${paid ? t(l, 'receivedStatement') : t(l, 'invoiceStatement', { number: order.number })}</p>
${linesTable(order, l)}
${totalsSummary(order, l)}
<div class="receipt-issuer">
  <h2 class="small">${t(l, 'seller')}</h2>
  ${sellerBlock(shop, order.invoiceNumber, l)}
</div>
</article>`;
}

export function historyPage(result: Page<OrderSummary>, l: Locale): SafeHtml {
  if (!result.items.length) return html`<p>${t(l, 'noOrders')}</p><p><a class="btn btn-primary" href="/products">${t(l, 'continueShopping')}</a></p>`;
  return html`<div class="table-scroll"><table class="table stacked order-history">
<thead><tr><th scope="col">${t(l, 'orderNumber')}</th><th scope="col">${t(l, 'placedAt')}</th><th scope="col">${t(l, 'status')}</th><th scope="col" class="num">${t(l, 'quantity')}</th><th scope="col" class="num">${t(l, 'total')}</th></tr></thead>
<tbody>${result.items.map(
    (o) => html`<tr><td><a href="/orders/${o.number}">${o.number}</a></td><td data-label="${t(l, 'placedAt')}">${formatDateTime(o.placedAt, l)}</td><td data-label="${t(l, 'status')}">${statusBadge(o, l)}</td><td class="num" data-label="${t(l, 'quantity')}">${o.itemCount}</td><td class="num" data-label="${t(l, 'total')}">${formatYen(o.total, l)}</td></tr>`,
  )}</tbody>
</table></div>
${pager(result, '/account/orders', l)}`;
}

export function pager(result: Pick<Page<unknown>, 'page' | 'pages'>, base: string, l: Locale, query: Record<string, string> = {}): SafeHtml {
  if (result.pages <= 1) return html``;
  const href = (page: number) => `${base}?${new URLSearchParams({ ...query, page: String(page) })}`;
  return html`<nav class="pagination" aria-label="${t(l, 'pageOf', { page: result.page, pages: result.pages })}">
${result.page > 1 ? html`<a href="${href(result.page - 1)}" rel="prev">${t(l, 'previous')}</a>` : ''}
<span aria-current="page">${t(l, 'pageOf', { page: result.page, pages: result.pages })}</span>
${result.page < result.pages ? html`<a href="${href(result.page + 1)}" rel="next">${t(l, 'next')}</a>` : ''}
</nav>`;
}

const brandNames: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', jcb: 'JCB', diners: 'Diners Club', discover: 'Discover', unionpay: 'UnionPay' };
/** The provider's brand code as people write it. */
function cardBrandName(brand: string | null): string {
  return brand ? (brandNames[brand] ?? brand) : '';
}
