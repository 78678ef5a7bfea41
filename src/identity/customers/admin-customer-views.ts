import type { Locale } from '../../platform/i18n/index.ts';
import { formatDateTime } from '../../platform/i18n/index.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { SavedAddress } from './addresses.ts';
import { formatPhone, maskAddress, maskEmail, maskName, maskPhone } from '../../platform/privacy/masking.ts';
import { revealPanel } from '../../platform/privacy/reveal.ts';
import { t } from '../messages.ts';

interface ListedCustomer {
  id: number;
  name: string;
  email: string;
  phone: string;
  created_at: Date;
}

export function customerList(l: Locale, p: { q: string; page: number; hasNext: boolean; customers: ListedCustomer[] }): SafeHtml {
  const pageLink = (page: number) => `/admin/customers?${new URLSearchParams({ ...(p.q ? { q: p.q } : {}), page: String(page) })}`;
  return html`<form method="get" action="/admin/customers" class="filters" role="search">
  <div class="field"><label for="f-q">${t(l, 'customerSearch')}</label><input id="f-q" name="q" type="search" value="${p.q}" maxlength="100" aria-describedby="f-q-hint"><p class="hint" id="f-q-hint">${t(l, 'customerSearchHint')}</p></div>
  <button type="submit" class="btn-secondary">${t(l, 'search')}</button>
</form>
<p class="hint">${t(l, 'maskedNote')}</p>
${p.customers.length === 0
  ? html`<p class="muted">${t(l, 'noCustomers')}</p>`
  : html`<div class="table-scroll"><table class="table">
  <caption class="visually-hidden">${t(l, 'customersTitle')}</caption>
  <thead><tr><th scope="col">${t(l, 'name')}</th><th scope="col">${t(l, 'email')}</th><th scope="col">${t(l, 'phone')}</th><th scope="col">${t(l, 'memberSince')}</th></tr></thead>
  <tbody>
  ${p.customers.map(
    (c) => html`<tr><td><a href="/admin/customers/${c.id}">${maskName(c.name)}</a></td><td>${maskEmail(c.email)}</td><td>${maskPhone(c.phone)}</td><td>${formatDateTime(c.created_at, l)}</td></tr>`,
  )}
  </tbody>
</table></div>`}
${p.page > 1 || p.hasNext
  ? html`<nav class="pagination" aria-label="${t(l, 'pages')}">
  ${p.page > 1 ? html`<a href="${pageLink(p.page - 1)}" rel="prev">${t(l, 'previous')}</a>` : ''}
  <span aria-current="page">${p.page}</span>
  ${p.hasNext ? html`<a href="${pageLink(p.page + 1)}" rel="next">${t(l, 'next')}</a>` : ''}
</nav>`
  : ''}`;
}

export interface CustomerDetailView {
  id: number;
  name: string;
  name_kana: string;
  email: string;
  phone: string;
  created_at: Date;
  last_sign_in_at: Date | null;
  orderCount: number;
}

export interface DetailReveal {
  /** This response is the audited reveal (POST): show everything. */
  revealed: boolean;
  /** The viewer's role may reveal (`customers.read_unmasked`): show the button. */
  canReveal: boolean;
}

/** Masked for every role by default; `revealed` only in the response to the recorded reveal (T4). */
export function customerDetailPage(l: Locale, c: CustomerDetailView, addresses: SavedAddress[], view: DetailReveal): SafeHtml {
  const unmasked = view.revealed;
  const phone = (p: string) => (unmasked ? formatPhone(p) : maskPhone(p));
  const none = html`<span class="muted">${t(l, 'notSet')}</span>`;
  return html`<nav class="breadcrumbs" aria-label="${t(l, 'breadcrumbs')}"><a href="/admin/customers">${t(l, 'customersTitle')}</a> › ${customerTitle(c, unmasked)}</nav>
${revealPanel(`/admin/customers/${c.id}/reveal`, l, view)}
<div class="card narrow">
  <dl class="account-facts">
    <dt>${t(l, 'name')}</dt><dd>${unmasked ? c.name : maskName(c.name)}</dd>
    <dt>${t(l, 'nameKana')}</dt><dd>${c.name_kana ? (unmasked ? c.name_kana : maskName(c.name_kana)) : none}</dd>
    <dt>${t(l, 'email')}</dt><dd>${unmasked ? c.email : maskEmail(c.email)}</dd>
    <dt>${t(l, 'phone')}</dt><dd>${c.phone ? phone(c.phone) : none}</dd>
    <dt>${t(l, 'memberSince')}</dt><dd>${formatDateTime(c.created_at, l)}</dd>
    <dt>${t(l, 'lastSignIn')}</dt><dd>${c.last_sign_in_at ? formatDateTime(c.last_sign_in_at, l) : none}</dd>
    <dt>${t(l, 'orderCount')}</dt><dd><a href="/admin/orders?customer=${c.id}">${t(l, 'ordersCount', { n: c.orderCount })}</a></dd>
  </dl>
</div>
<h2>${t(l, 'addressesTitle')}</h2>
${addresses.length === 0
  ? html`<p class="muted">${t(l, 'noAddresses')}</p>`
  : html`<div class="table-scroll"><table class="table">
  <thead><tr><th scope="col">${t(l, 'recipientName')}</th><th scope="col">${t(l, 'address')}</th><th scope="col">${t(l, 'phone')}</th></tr></thead>
  <tbody>
  ${addresses.map((saved) => {
    const a = unmasked ? saved : maskAddress(saved);
    return html`<tr>
    <td>${a.name}${a.isDefault ? html` <span class="badge">${t(l, 'defaultBadge')}</span>` : ''}</td>
    <td>〒${a.postal_code} ${a.prefecture}${a.city}${a.line1}${a.line2 ? ` ${a.line2}` : ''}</td>
    <td>${unmasked ? formatPhone(a.phone) : a.phone}</td>
  </tr>`;
  })}
  </tbody>
</table></div>`}`;
}

/** The page title and breadcrumb: the name, masked unless revealed. */
export function customerTitle(c: Pick<CustomerDetailView, 'name'>, revealed: boolean): string {
  return revealed ? c.name : maskName(c.name);
}
