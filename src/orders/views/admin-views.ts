import { maskAddress, maskEmail, maskName } from '../../platform/privacy/masking.ts';
import { revealPanel } from '../../platform/privacy/reveal.ts';
import { errorMessage } from '../../platform/http/errors.ts';
import { inputField, selectField, errorSummary } from '../../platform/http/form-fields.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatDateTime, formatYen, type Locale } from '../../platform/i18n/index.ts';
import { allPaymentMethods } from '../payment-methods/registry.ts';
import type { AdminOrderRow } from '../admin-list.ts';
import { a } from '../admin-messages.ts';
import { orderStatusLabel, statusLabel } from '../format.ts';
import type { OrderView } from '../model.ts';
import { paymentLabel, shippingLabel } from '../method-views.ts';
import type { OrderEventView, Page } from '../queries.ts';
import { orderStatuses } from '../state-machine.ts';
import type { OrderStatus } from '../tables.ts';
import { pager } from './store-views.ts';
import { carrierIds, carrierLabel } from '../../shipping/carriers.ts';
import { addressBlock, linesTable, totalsSummary } from './order-parts.ts';

export function statusBadge(status: OrderStatus, l: Locale, paymentMethod?: string): SafeHtml {
  const label = paymentMethod ? orderStatusLabel(status, paymentMethod, l) : statusLabel(status, l);
  return html`<span class="status status-${status}"${paymentMethod ? html` data-payment="${paymentMethod}"` : ''}>${label}</span>`;
}

function dateField(name: string, label: string, value: string, errors: FieldErrors): SafeHtml {
  const error = errors[name];
  return html`<div class="field"><label for="${name}">${label}</label>
<input id="${name}" name="${name}" type="date" value="${value}"${error ? html` aria-invalid="true" aria-describedby="${name}-error"` : ''}>
${error ? html`<p class="field-error" id="${name}-error">${error}</p>` : ''}</div>`;
}

export function orderListPage(result: Page<AdminOrderRow> | null, values: Record<string, string>, errors: FieldErrors, l: Locale, bulk = false): SafeHtml {
  const query = Object.fromEntries(Object.entries(values).filter(([k, v]) => v && k !== 'page'));
  return html`${errorSummary(errors, errorMessage('validation', l))}
<form class="filters" method="get" action="/admin/orders" role="search" aria-label="${a(l, 'filters')}">
  ${selectField({ name: 'status', label: a(l, 'status'), value: values.status ?? '', errors, placeholder: a(l, 'all'), options: orderStatuses.map((s) => ({ value: s, label: statusLabel(s, l) })) })}
  ${selectField({ name: 'payment', label: a(l, 'payment'), value: values.payment ?? '', errors, placeholder: a(l, 'all'), options: allPaymentMethods.map((m) => ({ value: m.id, label: m.label(l) })) })}
  ${dateField('from', a(l, 'from'), values.from ?? '', errors)}
  ${dateField('to', a(l, 'to'), values.to ?? '', errors)}
  ${inputField({ name: 'q', label: a(l, 'q'), type: 'search', value: values.q ?? '', errors, hint: a(l, 'qHint'), maxlength: 254 })}
  ${values.customer ? html`<input type="hidden" name="customer" value="${values.customer}">` : ''}
  <div class="field"><button type="submit" class="btn btn-primary">${a(l, 'filter')}</button> <a href="/admin/orders">${a(l, 'clear')}</a></div>
</form>
${values.customer ? html`<p class="alert alert-info">${a(l, 'customerFilter', { id: values.customer })}</p>` : ''}
${result ? orderTable(result, query, l, bulk) : ''}`;
}

function orderTable(result: Page<AdminOrderRow>, query: Record<string, string>, l: Locale, bulk: boolean): SafeHtml {
  if (!result.items.length) return html`<p>${a(l, 'noResults')}</p>`;
  // Issue 16: orders ticked here go to the shipping page (labels CSV, one PDF of packing slips) as ?ids=…
  const tick = (o: AdminOrderRow) => (bulk ? html`<td><input type="checkbox" name="ids" value="${o.id}" form="bulk-orders" aria-label="${a(l, 'selectOrder', { number: o.number })}"></td>` : '');
  return html`<p class="muted small" role="status">${a(l, 'results', { n: result.total })}</p>
${bulk ? html`<form id="bulk-orders" method="get" action="/admin/fulfilment" class="cluster"><button type="submit" class="btn btn-secondary">${a(l, 'bulkShip')}</button> <span class="small muted">${a(l, 'bulkShipHint')}</span></form>` : ''}
<div class="table-scroll"><table class="table admin-orders">
<thead><tr>${bulk ? html`<th scope="col"><span class="visually-hidden">${a(l, 'select')}</span></th>` : ''}<th scope="col">${a(l, 'colNumber')}</th><th scope="col">${a(l, 'colPlaced')}</th><th scope="col">${a(l, 'colName')}</th><th scope="col">${a(l, 'colPayment')}</th><th scope="col">${a(l, 'colStatus')}</th><th scope="col" class="num">${a(l, 'colTotal')}</th></tr></thead>
<tbody>${result.items.map(
    (o) => html`<tr>${tick(o)}<td><a href="/admin/orders/${o.id}">${o.number}</a></td><td>${formatDateTime(o.placedAt, l)}</td><td>${maskName(o.shipName)}</td><td>${paymentLabel(o.paymentMethod, l)}</td><td>${statusBadge(o.status, l, o.paymentMethod)}</td><td class="num">${formatYen(o.total, l)}</td></tr>`,
  )}</tbody>
</table></div>
${pager(result, '/admin/orders', l, query)}`;
}

export interface DetailOptions {
  next: OrderStatus[];
  canWrite: boolean;
  /** T4: masked for every role; true only in the response to the audited reveal. */
  revealed: boolean;
  /** The role may reveal (`customers.read_unmasked`). */
  canReveal: boolean;
  /**
   * T4, decided per field: the customer's 備考 (午前中の配達希望, 置き配…) is what the packer works from, so roles that
   * pack and ship (`orders.write`) read it without a reveal; card numbers in it were masked when it was stored (T2).
   * Name, e-mail, address and phone stay behind the audited reveal.
   */
  noteVisible: boolean;
  done?: OrderStatus;
  refusal?: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
  /** The payment provider's section (card payments: status, reference, brand/last 4, refund). */
  payment?: SafeHtml;
}

export function orderDetailPage(order: OrderView, events: OrderEventView[], o: DetailOptions, l: Locale): SafeHtml {
  // T4: masked by default, as on the customer pages: the town stays, street, name and phone do not.
  const shipping = o.revealed ? order.shipping : maskAddress(order.shipping);
  return html`${o.done ? html`<p class="alert alert-success" role="status">${a(l, 'done', { status: statusLabel(o.done, l) })}</p>` : ''}
${o.refusal ? html`<div class="alert alert-error" role="alert"><p><strong>${a(l, 'refusedTitle')}</strong></p><p>${o.refusal}</p></div>` : ''}
${errorSummary(o.errors, errorMessage('validation', l))}
<p class="cluster">${statusBadge(order.status, l, order.paymentMethod)} <span class="muted">${formatDateTime(order.placedAt, l)}</span></p>
${revealPanel(`/admin/orders/${order.id}/reveal`, l, o)}
<div class="two-col">
  <div class="stack">
    <h2>${a(l, 'lines')}</h2>
    ${linesTable(order, l)}
    ${totalsSummary(order, l)}
    <h2>${a(l, 'history')}</h2>
    ${historyTable(events, l, order.paymentMethod)}
  </div>
  <div class="stack">
    <section class="card" aria-labelledby="status-actions"><h2 id="status-actions">${a(l, 'actions')}</h2>${actions(order, o, l)}</section>
    ${o.payment ?? ''}
    <section class="card" aria-labelledby="order-customer"><h2 id="order-customer">${a(l, 'customer')}</h2>
      <p>${order.customerId ? html`<a href="/admin/customers/${order.customerId}">${a(l, 'customerLink', { id: order.customerId })}</a>` : a(l, 'guest')}</p>
      <p>${a(l, 'email')}: ${o.revealed ? order.email : maskEmail(order.email)}</p>
    </section>
    <section class="card" aria-labelledby="order-ship"><h2 id="order-ship">${a(l, 'shipTo')}</h2>
      ${addressBlock(shipping, l)}
      ${o.canWrite ? html`<form method="post" action="/admin/orders/${order.id}/packing-slip"><button type="submit" class="btn btn-secondary">${a(l, 'packingSlip')}</button> <span class="small muted">${a(l, 'packingSlipHint')}</span></form>` : ''}
      <dl class="order-facts">
        <dt>${a(l, 'shippingMethod')}</dt><dd>${shippingLabel(order.shippingMethod, l, order.deliverySlot)}</dd>
        <dt>${a(l, 'payment')}</dt><dd>${paymentLabel(order.paymentMethod, l)}</dd>
        ${order.trackingNumber ? html`<dt>${a(l, 'trackingNumber')}</dt><dd>${carrierLabel(order.carrier, l)} ${order.trackingNumber}</dd>` : ''}
      </dl>
    </section>
    ${order.note ? html`<section class="card" aria-labelledby="order-note"><h2 id="order-note">${a(l, 'note')}</h2>${o.revealed || o.noteVisible ? html`<p class="order-note">${order.note}</p>` : html`<p class="muted">${a(l, 'noteHidden')}</p>`}</section>` : ''}
  </div>
</div>`;
}

function actions(order: OrderView, o: DetailOptions, l: Locale): SafeHtml {
  if (!o.next.length) return html`<p>${a(l, 'noActions')}</p>`;
  if (!o.canWrite) return html`<p class="muted">${a(l, 'readOnly')}</p>`;
  const values = o.values ?? {};
  const errors = o.errors ?? {};
  // Nothing ever moves back to awaiting_payment, so every next state has a button label.
  return html`${(o.next as Array<Exclude<OrderStatus, 'awaiting_payment'>>).map((to) => {
    const danger = to === 'cancelled' || to === 'refunded';
    const hint = to === 'refunded' ? a(l, order.status === 'paid' ? 'hint_refunded_restock' : 'hint_refunded') : a(l, `hint_${to as Exclude<typeof to, 'refunded'>}`);
    const own = values.to === to;
    return html`<form method="post" action="/admin/orders/${order.id}/status" class="status-action">
  <input type="hidden" name="to" value="${to}"><input type="hidden" name="from" value="${order.status}">
  <p class="hint">${hint}</p>
  ${to === 'shipped' ? html`<div class="field"><label for="shipped-carrier">${a(l, 'carrierField')}</label><select id="shipped-carrier" name="carrier"><option value="">—</option>${carrierIds.map((c) => html`<option value="${c}"${own && values.carrier === c ? html` selected` : ''}>${carrierLabel(c, l)}</option>`)}</select></div>` : ''}
  ${to === 'shipped' ? actionField(to, 'tracking', a(l, 'trackingField'), own ? values.tracking : '', own ? errors.tracking : undefined, 40) : ''}
  ${actionField(to, 'note', a(l, 'noteField'), own ? values.note : '', own ? errors.note : undefined, 500)}
  <button type="submit" class="btn ${danger ? 'btn-danger' : 'btn-primary'}">${a(l, `action_${to}`)}</button>
</form>`;
  })}`;
}

/** A text field inside one of several action forms: ids are prefixed with the form's target state. */
function actionField(form: string, name: string, label: string, value: string | undefined, error: string | undefined, maxlength: number): SafeHtml {
  const id = `${form}-${name}`;
  return html`<div class="field"><label for="${id}">${label}</label>
<input id="${id}" name="${name}" type="text" value="${value ?? ''}" maxlength="${maxlength}" autocomplete="off"${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}</div>`;
}

function historyTable(events: OrderEventView[], l: Locale, paymentMethod: string): SafeHtml {
  return html`<div class="table-scroll"><table class="table order-events">
<thead><tr><th scope="col">${a(l, 'when')}</th><th scope="col">${a(l, 'change')}</th><th scope="col">${a(l, 'by')}</th><th scope="col">${a(l, 'staffNote')}</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr><td>${formatDateTime(e.createdAt, l)}</td><td>${e.fromStatus ? html`${orderStatusLabel(e.fromStatus, paymentMethod, l)} → ` : ''}${statusBadge(e.toStatus, l, paymentMethod)}</td><td>${e.staffName ?? (e.fromStatus === null ? a(l, 'system') : a(l, 'automatic'))}</td><td>${e.note}</td></tr>`,
  )}</tbody>
</table></div>`;
}

/**
 * The packing slip an order operator prints: the full ship-to address, name and phone, the lines and
 * the customer's note. Rendering it is a recorded reveal (T4), so it is only ever a POST response.
 */
export function packingSlipPage(order: OrderView, shipFrom: { seller: string; address: string; phone: string }, l: Locale): SafeHtml {
  return html`<p class="alert alert-info no-print" role="status" data-revealed="true">${a(l, 'packingSlipPrint')}</p>
<section class="packing-slip">
  <p class="cluster"><strong>${order.number}</strong> <span class="muted">${formatDateTime(order.placedAt, l)}</span></p>
  <div class="two-col">
    <section aria-labelledby="slip-to"><h2 id="slip-to">${a(l, 'shipTo')}</h2>${addressBlock(order.shipping, l)}</section>
    <section aria-labelledby="slip-from"><h2 id="slip-from">${a(l, 'shipFrom')}</h2><p>${shipFrom.seller}<br>${shipFrom.address}<br>${shipFrom.phone}</p></section>
  </div>
  ${linesTable(order, l)}
  <dl class="order-facts"><dt>${a(l, 'shippingMethod')}</dt><dd>${shippingLabel(order.shippingMethod, l, order.deliverySlot)}</dd>${order.note ? html`<dt>${a(l, 'note')}</dt><dd class="order-note">${order.note}</dd>` : ''}</dl>
</section>`;
}
