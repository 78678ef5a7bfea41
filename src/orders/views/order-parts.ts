import { formatPhone } from '../../platform/privacy/masking.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatYen, type Locale } from '../../platform/i18n/index.ts';
import type { Address } from '../../platform/http/fields.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import { instructionsHtml } from '../payment-methods/registry.ts';
import { paymentLabel, pendingInstructions } from '../method-views.ts';
import { t } from '../messages.ts';
import type { OrderView } from '../model.ts';

type Money = Pick<OrderView, 'itemsTotal' | 'discount10' | 'discount8' | 'couponCode' | 'shippingFee' | 'paymentFee' | 'total' | 'taxable10' | 'tax10' | 'taxable8' | 'tax8'>;

/** The per-rate rows of a qualified invoice: only rates that occur (10% when the order is all zero). */
export function taxRows(o: Money): Array<{ rate: 10 | 8; taxable: number; tax: number }> {
  const rows = [
    { rate: 10 as const, taxable: o.taxable10, tax: o.tax10 },
    { rate: 8 as const, taxable: o.taxable8, tax: o.tax8 },
  ].filter((r) => r.taxable > 0);
  return rows.length ? rows : [{ rate: 10, taxable: 0, tax: 0 }];
}

export function linesTable(order: Pick<OrderView, 'lines'>, l: Locale): SafeHtml {
  const anyReduced = order.lines.some((x) => x.taxRate === 8);
  return html`<div class="table-scroll"><table class="table stacked order-lines">
<thead><tr><th scope="col">${t(l, 'product')}</th><th scope="col" class="num">${t(l, 'unitPrice')}</th><th scope="col" class="num">${t(l, 'quantity')}</th><th scope="col" class="num">${t(l, 'amount')}</th></tr></thead>
<tbody>${order.lines.map(
    (x) => html`<tr${x.taxRate === 8 ? html` data-reduced="true"` : ''}>
<td>${x.productName}${x.variantName ? html` <span class="muted">${x.variantName}</span>` : ''}${x.taxRate === 8 ? html` <span aria-hidden="true">※</span><span class="visually-hidden">（${t(l, 'reducedMark')}）</span>` : ''}<br><span class="small muted">SKU ${x.sku}</span></td>
<td class="num" data-label="${t(l, 'unitPrice')}">${formatYen(x.unitPrice, l)}</td><td class="num" data-label="${t(l, 'quantity')}">${x.quantity}</td><td class="num" data-label="${t(l, 'amount')}">${formatYen(x.lineTotal, l)}</td></tr>`,
  )}</tbody>
</table></div>
${anyReduced ? html`<p class="small muted reduced-legend">${t(l, 'reducedLegend')}</p>` : ''}`;
}

/** Issue 16: the coupon discount over both tax rates. */
export const discountOf = (o: Pick<OrderView, 'discount10' | 'discount8'>) => (o.discount10 ?? 0) + (o.discount8 ?? 0);

/** Amounts and the per-rate breakdown; `.tax-breakdown [data-rate]` is read by the browser tests. */
export function totalsSummary(order: Money, l: Locale): SafeHtml {
  return html`<div class="summary order-totals">
<dl>
  <dt>${t(l, 'itemsTotal')}</dt><dd>${formatYen(order.itemsTotal, l)}</dd>
  ${discountOf(order) > 0 ? html`<dt>${t(l, 'discount')}${order.couponCode ? `（${order.couponCode}）` : ''}</dt><dd data-discount="${discountOf(order)}">−${formatYen(discountOf(order), l)}</dd>` : ''}
  <dt>${t(l, 'shippingFee')}</dt><dd>${formatYen(order.shippingFee, l)}</dd>
  ${order.paymentFee > 0 ? html`<dt>${t(l, 'paymentFee')}</dt><dd>${formatYen(order.paymentFee, l)}</dd>` : ''}
  <dt class="total">${t(l, 'total')}</dt><dd class="total" data-total="${order.total}">${formatYen(order.total, l)}</dd>
</dl>
<h3 class="small">${t(l, 'taxHeading')}</h3>
<dl class="tax-breakdown">
  ${taxRows(order).map(
    (r) => html`<div data-rate="${r.rate}" data-taxable="${r.taxable}" data-tax="${r.tax}"><dt>${t(l, 'taxTarget', { rate: r.rate })}</dt><dd>${t(l, 'taxAmount', { amount: formatYen(r.taxable, l), tax: formatYen(r.tax, l) })}</dd></div>`,
  )}
</dl>
</div>`;
}

export function addressLines(a: Address, l: Locale): string[] {
  return [`〒${a.postal_code}`, `${a.prefecture}${a.city}${a.line1}${a.line2 ? ` ${a.line2}` : ''}`, t(l, 'honorific', { name: a.name }), `${t(l, 'phone')} ${formatPhone(a.phone)}`];
}

export function addressBlock(a: Address, l: Locale): SafeHtml {
  const [postal, street, name, phone] = addressLines(a, l);
  return html`<address class="ship-address">${postal}<br>${street}<br>${name}<br>${phone}</address>`;
}

/** The payment method, then what is left to do to pay (or that the payment has arrived). */
export function paymentSection(order: OrderView, shop: ShopSettings, l: Locale): SafeHtml {
  const pending = pendingInstructions(order, shop, l);
  const paid = order.paidAt !== null && order.status !== 'refunded';
  return html`<p><strong>${paymentLabel(order.paymentMethod, l)}</strong></p>
${pending ? instructionsHtml(pending) : paid ? html`<p class="alert alert-success">${t(l, 'paidNote')}</p>` : ''}`;
}

export function sellerBlock(shop: ShopSettings, invoiceNumber: string | null, l: Locale): SafeHtml {
  return html`<p class="seller"><strong>${shop.seller}</strong><br>${shop.address}<br>${t(l, 'phone')} ${shop.phone}
${invoiceNumber ? html`<br>${t(l, 'invoiceNumber')} <span class="invoice-number">${invoiceNumber}</span>` : ''}</p>`;
}
