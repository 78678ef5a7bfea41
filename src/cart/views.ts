import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { formatYen, type Locale } from '../platform/i18n/index.ts';
import type { ShopSettings } from '../settings/settings.ts';
import { storePage, type StoreChrome } from '../storefront/layout.ts';
import { t } from './messages.ts';
import type { CartLine, CartView } from './service.ts';
import { purchaseSteps } from './steps.ts';

export type CartNotice = 'added' | 'updated' | 'removed';

export interface CartPageState {
  notice?: CartNotice | undefined;
  /** a refused add (shown at the top) */
  error?: string;
  /** a refused quantity change, shown next to that line's quantity field */
  lineError?: { variantId: number; message: string; value: string };
}

export function cartPage(req: FastifyRequest, chrome: StoreChrome, cart: CartView, settings: ShopSettings, state: CartPageState = {}): SafeHtml {
  const l = req.locale;
  const body = html`${purchaseSteps(l, 'cart')}
<h1>${t(l, 'title')}</h1>
${state.notice ? html`<p class="alert alert-success" role="status">${t(l, state.notice)}</p>` : ''}
${state.error ? html`<p class="alert alert-error" role="alert" id="cart-error">${state.error}</p>` : ''}
${cart.lines.length === 0 ? emptyCart(l) : filledCart(l, cart, settings, state)}`;
  return storePage(req, chrome, { title: t(l, 'title'), body });
}

function emptyCart(l: Locale): SafeHtml {
  return html`<p>${t(l, 'empty')}</p><p><a class="btn btn-primary" href="/products">${t(l, 'browse')}</a></p>`;
}

function filledCart(l: Locale, cart: CartView, settings: ShopSettings, state: CartPageState): SafeHtml {
  const threshold = settings.free_shipping_threshold;
  const left = threshold === null ? 0 : threshold - cart.itemsTotal;
  return html`<div class="two-col">
<div class="table-scroll cart-lines">
<table class="table stacked">
<caption class="visually-hidden">${t(l, 'caption')}</caption>
<thead><tr><th scope="col">${t(l, 'product')}</th><th scope="col" class="num">${t(l, 'unitPrice')}</th><th scope="col">${t(l, 'quantity')}</th><th scope="col" class="num">${t(l, 'lineTotal')}</th><th scope="col"><span class="visually-hidden">${t(l, 'actions')}</span></th></tr></thead>
<tbody>${cart.lines.map((line) => lineRow(l, line, state))}</tbody>
</table>
</div>
<aside class="summary stack" aria-label="${t(l, 'itemsTotal')}">
<dl><dt>${t(l, 'itemsTotal')}</dt><dd class="total">${formatYen(cart.itemsTotal, l)}</dd></dl>
<p class="small muted">${t(l, 'feesLater')}</p>
${left > 0 ? html`<p class="small">${t(l, 'freeShippingLeft', { amount: formatYen(left, l) })}</p>` : ''}
${cart.blocked
  ? html`<p class="alert alert-error" id="cart-blocked">${t(l, 'blocked')}</p><button type="button" class="btn btn-primary" disabled aria-describedby="cart-blocked">${t(l, 'checkout')}</button>`
  : html`<a class="btn btn-primary" href="/checkout">${t(l, 'checkout')}</a>`}
<p><a href="/products">${t(l, 'continueShopping')}</a></p>
</aside>
</div>`;
}

function lineRow(l: Locale, line: CartLine, state: CartPageState): SafeHtml {
  const id = line.variantId;
  const err = state.lineError?.variantId === id ? state.lineError : undefined;
  const problem = problemText(l, line);
  const describedBy = [err ? `qty-${id}-error` : '', problem ? `problem-${id}` : ''].filter(Boolean).join(' ');
  return html`<tr>
<td><a href="/p/${line.productSlug}">${line.productName}</a><br><span class="small">${line.variantName}</span> <span class="small muted">${line.sku}</span>
${line.taxRate === 8 ? html`<br><span class="small muted">${t(l, 'reducedRate')}</span>` : ''}
${problem ? html`<p class="stock-out small" id="problem-${id}">${problem}</p>` : ''}</td>
<td class="num" data-label="${t(l, 'unitPrice')}">${formatYen(line.unitPrice, l)}</td>
<td data-label="${t(l, 'quantity')}"><form method="post" action="/cart/items/${id}" class="cluster qty-form">
<label class="visually-hidden" for="qty-${id}">${t(l, 'quantityOf', { name: line.productName })}</label>
<input type="number" id="qty-${id}" name="quantity" min="0" max="99" step="1" inputmode="numeric" value="${err ? err.value : line.quantity}"${err ? html` aria-invalid="true"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
<button type="submit" class="btn-secondary">${t(l, 'update')}</button>
${err ? html`<p class="field-error" id="qty-${id}-error">${err.message}</p>` : ''}
</form></td>
<td class="num" data-label="${t(l, 'lineTotal')}">${formatYen(line.lineTotal, l)}</td>
<td class="row-actions"><form method="post" action="/cart/items/${id}/delete"><button type="submit" class="btn-link" aria-label="${t(l, 'removeLabel', { name: line.productName })}">${t(l, 'remove')}</button></form></td>
</tr>`;
}

function problemText(l: Locale, line: CartLine): string | null {
  switch (line.problem) {
    case 'unpublished':
      return t(l, 'problemUnpublished');
    case 'sold_out':
      return t(l, 'problemSoldOut');
    case 'short':
      return t(l, 'problemShort', { stock: line.stock });
    default:
      return null;
  }
}
