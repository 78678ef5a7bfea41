import type { CartView } from '../../cart/service.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatYen, type Locale } from '../../platform/i18n/index.ts';
import { t } from '../messages.ts';
import type { Quote } from '../service.ts';

export interface RadioOption {
  value: string;
  label: string;
  description: string;
  fee?: string;
  disabled?: boolean;
}

/** A labelled radio group; its error is announced with the group and tied to every option. */
export function radioGroup(o: { name: string; legend: string; options: RadioOption[]; value: string | undefined; errors: FieldErrors }): SafeHtml {
  const error = o.errors[o.name];
  const errorId = `${o.name}-error`;
  return html`<fieldset id="${o.name}" tabindex="-1"${error ? html` aria-describedby="${errorId}"` : ''}>
<legend>${o.legend}</legend>
${error ? html`<p class="field-error" id="${errorId}">${error}</p>` : ''}
${o.options.map(
  (opt) => html`<label class="choice" for="${o.name}-${opt.value}">
<input type="radio" id="${o.name}-${opt.value}" name="${o.name}" value="${opt.value}"${opt.value === o.value ? html` checked` : ''}${opt.disabled ? html` disabled` : ''}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''} required>
<span><strong>${opt.label}</strong>${opt.fee ? html` <span class="muted">${opt.fee}</span>` : ''}<br><span class="small muted">${opt.description}</span></span>
</label>`,
)}
</fieldset>`;
}

/** The cart in short, beside the checkout form. */
export function cartAside(l: Locale, cart: CartView): SafeHtml {
  return html`<aside class="summary stack" aria-labelledby="cart-summary">
<h2 id="cart-summary">${t(l, 'items')}</h2>
<ul class="small">${cart.lines.map((line) => html`<li>${line.productName}（${line.variantName}）× ${line.quantity} — ${formatYen(line.lineTotal, l)}</li>`)}</ul>
<dl><dt>${t(l, 'itemsTotal')}</dt><dd>${formatYen(cart.itemsTotal, l)}</dd></dl>
<p><a href="/cart">${t(l, 'backToCart')}</a></p>
</aside>`;
}

/** Lines, fees, the qualified-invoice breakdown per tax rate, and the total. */
export function quoteSummary(l: Locale, q: Quote): SafeHtml {
  const hasReduced = q.lines.some((x) => x.taxRate === 8);
  return html`<div class="table-scroll cart-lines"><table class="table stacked">
<caption class="visually-hidden">${t(l, 'items')}</caption>
<thead><tr><th scope="col">${t(l, 'items')}</th><th scope="col" class="num">${t(l, 'unitPrice')}</th><th scope="col" class="num">${t(l, 'quantity')}</th><th scope="col" class="num">${t(l, 'lineTotal')}</th></tr></thead>
<tbody>${q.lines.map(
    (x) => html`<tr><td>${x.productName}（${x.variantName}）${x.taxRate === 8 ? html` <span aria-hidden="true">${t(l, 'reducedMark')}</span><span class="visually-hidden">${t(l, 'reducedNote')}</span>` : ''}</td><td class="num" data-label="${t(l, 'unitPrice')}">${formatYen(x.unitPrice, l)}</td><td class="num" data-label="${t(l, 'quantity')}">${x.quantity}</td><td class="num" data-label="${t(l, 'lineTotal')}">${formatYen(x.lineTotal, l)}</td></tr>`,
  )}</tbody>
</table></div>
${hasReduced ? html`<p class="small muted">${t(l, 'reducedNote')}</p>` : ''}
<div class="summary">
<dl>
<dt>${t(l, 'itemsTotal')}</dt><dd>${formatYen(q.itemsTotal, l)}</dd>
${q.discount10 + q.discount8 > 0 ? html`<dt>${t(l, 'discount')}（${q.coupon?.code ?? ''}）</dt><dd id="order-discount">−${formatYen(q.discount10 + q.discount8, l)}</dd>` : ''}
<dt>${t(l, 'shippingFee')}</dt><dd>${formatYen(q.shippingFee, l)}</dd>
<dt>${t(l, 'paymentFee')}</dt><dd>${formatYen(q.paymentFee, l)}</dd>
<dt class="total">${t(l, 'total')}</dt><dd class="total" id="order-total">${formatYen(q.total, l)}</dd>
</dl>
<h3 class="small">${t(l, 'taxBreakdown')}</h3>
<ul class="small tax-lines">
${q.tax.taxable10 > 0 ? html`<li>${t(l, 'taxLine', { rate: 10, amount: formatYen(q.tax.taxable10, l), tax: formatYen(q.tax.tax10, l) })}</li>` : ''}
${q.tax.taxable8 > 0 ? html`<li>${t(l, 'taxLine', { rate: 8, amount: formatYen(q.tax.taxable8, l), tax: formatYen(q.tax.tax8, l) })}</li>` : ''}
</ul>
${q.invoiceNumber ? html`<p class="small muted">${t(l, 'invoiceNumber')}: ${q.invoiceNumber}</p>` : ''}
</div>`;
}
