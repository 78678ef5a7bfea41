import { assetTag } from '../../platform/http/assets.ts';
import { postalLookupButton } from '../../platform/http/postal-lookup.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { prefectures } from '../../platform/jp/prefectures.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import type { SavedAddress } from './addresses.ts';
import { inputField, selectField, successAlert } from '../../platform/http/form-fields.ts';
import { formProblems, optionalLabel } from '../form-ui.ts';
import { formatPhone } from '../../platform/privacy/masking.ts';
import { t } from '../messages.ts';

const prefectureOptions = (l: Locale) => prefectures.map((p) => ({ value: p.ja, label: l === 'ja' ? p.ja : `${p.en} (${p.ja})` }));

export function addressLines(a: SavedAddress): SafeHtml {
  return html`〒${a.postal_code}<br>${a.prefecture}${a.city}${a.line1}${a.line2 ? html`<br>${a.line2}` : ''}`;
}

export function addressBook(l: Locale, addresses: SavedAddress[], notice: string | null): SafeHtml {
  return html`<section class="narrow stack">
<nav class="breadcrumbs" aria-label="${t(l, 'breadcrumbs')}"><a href="/account">${t(l, 'accountTitle')}</a> › ${t(l, 'addressesTitle')}</nav>
<h1>${t(l, 'addressesTitle')}</h1>
${successAlert(notice)}
${addresses.length === 0 ? html`<p class="muted">${t(l, 'noAddresses')}</p>` : ''}
<ul class="address-list">
${addresses.map(
  (a) => html`<li class="card stack">
  <p><strong>${a.name}</strong>${a.name_kana ? html` <span class="muted small">(${a.name_kana})</span>` : ''}${a.isDefault ? html` <span class="badge">${t(l, 'defaultBadge')}</span>` : ''}</p>
  <p>${addressLines(a)}<br>${t(l, 'phone')}: ${formatPhone(a.phone)}</p>
  <div class="cluster">
    <a class="btn btn-secondary" href="/account/addresses/${a.id}/edit">${t(l, 'edit')}<span class="visually-hidden"> ${a.name}</span></a>
    ${a.isDefault ? '' : html`<form method="post" action="/account/addresses/${a.id}/default"><button type="submit" class="btn-secondary">${t(l, 'setDefault')}</button></form>`}
    <form method="post" action="/account/addresses/${a.id}/delete"><button type="submit" class="btn-danger">${t(l, 'delete')}<span class="visually-hidden"> ${a.name}</span></button></form>
  </div>
</li>`,
)}
</ul>
<p><a class="btn btn-primary" href="/account/addresses/new">${t(l, 'addAddress')}</a></p>
</section>`;
}

export function addressForm(l: Locale, opts: { action: string; title: string; values: Record<string, string>; errors: FieldErrors; alert: string | null; postalLookup?: { ok: boolean } | null }): SafeHtml {
  const { values: v, errors } = opts;
  return html`<section class="narrow stack">
<nav class="breadcrumbs" aria-label="${t(l, 'breadcrumbs')}"><a href="/account">${t(l, 'accountTitle')}</a> › <a href="/account/addresses">${t(l, 'addressesTitle')}</a></nav>
<h1>${opts.title}</h1>
${formProblems(opts.alert, errors)}
<form method="post" action="${opts.action}" novalidate>
  <div class="form-row">
    ${inputField({ name: 'name', label: t(l, 'recipientName'), value: v.name, autocomplete: 'name', required: true, maxlength: 100, errors })}
    ${inputField({ name: 'name_kana', label: optionalLabel(l, t(l, 'nameKana')), value: v.name_kana, maxlength: 100, errors })}
  </div>
  <div class="form-row">
    ${inputField({ name: 'postal_code', label: t(l, 'postalCode'), value: v.postal_code, autocomplete: 'postal-code', inputmode: 'numeric', required: true, hint: t(l, 'postalCodeHint'), maxlength: 10, errors })}
    ${selectField({ name: 'prefecture', label: t(l, 'prefecture'), value: v.prefecture, options: prefectureOptions(l), placeholder: t(l, 'choose'), autocomplete: 'address-level1', required: true, errors })}
  </div>
  ${postalLookupButton(l, opts.action, opts.postalLookup)}
  ${inputField({ name: 'city', label: t(l, 'city'), value: v.city, autocomplete: 'address-level2', required: true, maxlength: 100, hint: t(l, 'cityHint'), errors })}
  ${inputField({ name: 'line1', label: t(l, 'line1'), value: v.line1, autocomplete: 'address-line1', required: true, maxlength: 200, hint: t(l, 'line1Hint'), errors })}
  ${inputField({ name: 'line2', label: optionalLabel(l, t(l, 'line2')), value: v.line2, autocomplete: 'address-line2', maxlength: 200, errors })}
  ${inputField({ name: 'phone', label: t(l, 'phone'), type: 'tel', value: v.phone, autocomplete: 'tel', inputmode: 'tel', required: true, maxlength: 20, errors })}
  <div class="field"><label class="choice"><input type="checkbox" name="is_default" value="on"${v.is_default === 'on' ? html` checked` : ''}> ${t(l, 'makeDefault')}</label></div>
  <div class="cluster">
    <button type="submit" class="btn-primary">${t(l, 'save')}</button>
    <a href="/account/addresses">${t(l, 'cancel')}</a>
  </div>
</form>
</section>
${assetTag('js/postal-code.js')}`;
}

export function addressValues(a: SavedAddress): Record<string, string> {
  return { name: a.name, name_kana: a.name_kana, postal_code: a.postal_code, prefecture: a.prefecture, city: a.city, line1: a.line1, line2: a.line2, phone: a.phone, is_default: a.isDefault ? 'on' : '' };
}
