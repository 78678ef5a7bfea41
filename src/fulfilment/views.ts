import { errorMessage } from '../platform/http/errors.ts';
import { errorSummary, inputField } from '../platform/http/form-fields.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { carrierIds, carrierLabel } from '../shipping/carriers.ts';
import { labelFormats } from './label-formats.ts';
import { m } from './messages.ts';
import type { ApplyResult, RowProblem, TrackingPlan } from './tracking-import.ts';

export const section = '/admin/fulfilment';

export interface FulfilmentPage {
  unshipped: number;
  /** Orders chosen in the order list (ids), or null for "every order waiting to ship". */
  selection: { ids: number[]; shippable: number } | null;
  values: Record<string, string>;
  errors: FieldErrors;
  notice?: SafeHtml;
}

const hiddenIds = (ids: number[] | undefined) => (ids ?? []).map((id) => html`<input type="hidden" name="ids" value="${id}">`);

export function fulfilmentPage(l: Locale, p: FulfilmentPage): SafeHtml {
  const v = p.values;
  const ids = p.selection?.ids;
  const formatError = p.errors.format;
  return html`${p.notice ?? ''}
${errorSummary(p.errors, errorMessage('validation', l))}
<p>${m(l, 'intro')}</p>
<p class="cluster"><strong data-unshipped="${p.unshipped}">${m(l, 'unshipped', { n: p.unshipped })}</strong>${p.selection ? html` <span class="badge" data-selected="${p.selection.shippable}">${m(l, 'selected', { n: p.selection.ids.length })}</span>` : ''}</p>
<div class="two-col">
<section class="card stack" aria-labelledby="labels-heading">
  <h2 id="labels-heading">${m(l, 'labelsHeading')}</h2>
  <p class="small">${m(l, 'labelsHelp')}</p>
  <form method="post" action="${section}/labels" class="stack">
    ${hiddenIds(ids)}
    <fieldset id="format"${formatError ? html` aria-invalid="true" aria-describedby="format-error"` : ''}><legend>${m(l, 'format')}</legend>
      ${labelFormats.map((f, i) => html`<label class="choice"><input type="radio" name="format" value="${f}"${(v.format ? v.format === f : i === 0) ? html` checked` : ''}> ${m(l, `format_${f}`)}</label>`)}
      ${formatError ? html`<p class="field-error" id="format-error">${formatError}</p>` : ''}
    </fieldset>
    <details${p.errors.yamatoCustomerCode || p.errors.yamatoFreightNumber || p.errors.sagawaCustomerCode ? html` open` : ''}><summary>${m(l, 'codesHint')}</summary>
      ${inputField({ name: 'yamatoCustomerCode', label: m(l, 'yamatoCustomerCode'), value: v.yamatoCustomerCode, errors: p.errors, inputmode: 'numeric', maxlength: 12 })}
      ${inputField({ name: 'yamatoFreightNumber', label: m(l, 'yamatoFreightNumber'), value: v.yamatoFreightNumber, errors: p.errors, inputmode: 'numeric', maxlength: 2 })}
      ${inputField({ name: 'sagawaCustomerCode', label: m(l, 'sagawaCustomerCode'), value: v.sagawaCustomerCode, errors: p.errors, inputmode: 'numeric', maxlength: 12 })}
    </details>
    <div><button type="submit" class="btn btn-primary">${m(l, 'downloadLabels')}</button></div>
  </form>
</section>
<section class="card stack" aria-labelledby="slips-heading">
  <h2 id="slips-heading">${m(l, 'slipsHeading')}</h2>
  <p class="small">${m(l, 'slipsHelp')}</p>
  <form method="post" action="${section}/packing-slips">${hiddenIds(ids)}<button type="submit" class="btn btn-secondary">${m(l, 'downloadSlips')}</button></form>
</section>
</div>
<section class="card stack" aria-labelledby="tracking-heading">
  <h2 id="tracking-heading">${m(l, 'trackingHeading')}</h2>
  <p class="small">${m(l, 'trackingHelp')}</p>
  <form method="post" action="${section}/tracking" enctype="multipart/form-data" class="stack">
    <div class="field"><label for="tracking-file">${m(l, 'file')}</label>
      <input id="tracking-file" name="file" type="file" accept=".csv,text/csv"${p.errors.file ? html` aria-invalid="true" aria-describedby="file-error"` : ''}>
      ${p.errors.file ? html`<p class="field-error" id="file-error">${p.errors.file}</p>` : ''}</div>
    <div class="field"><label for="carrier">${m(l, 'defaultCarrier')}</label>
      <select id="carrier" name="carrier"><option value="">—</option>${carrierIds.map((c) => html`<option value="${c}"${v.carrier === c ? html` selected` : ''}>${carrierLabel(c, l)}</option>`)}</select></div>
    <div><button type="submit" class="btn btn-primary">${m(l, 'check')}</button></div>
  </form>
</section>`;
}

function problemTable(rows: RowProblem[], l: Locale, kind: string): SafeHtml {
  return html`<div class="table-scroll"><table class="table tracking-${kind}">
<thead><tr><th scope="col">${m(l, 'colLine')}</th><th scope="col">${m(l, 'colNumber')}</th><th scope="col">${m(l, 'colMessage')}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-line="${r.line}"><td>${r.line}</td><td>${r.number}</td><td>${r.message}</td></tr>`)}</tbody></table></div>`;
}

export function previewPage(l: Locale, plan: TrackingPlan, planId: number | null): SafeHtml {
  if (plan.fileError) return html`<div class="alert alert-error" role="alert"><p>${plan.fileError}</p></div><p><a href="${section}">${m(l, 'title')}</a></p>`;
  return html`<p class="alert alert-info" role="status">${m(l, 'previewIntro')}</p>
<p class="small muted">${m(l, 'previewEncoding', { encoding: plan.encoding === 'cp932' ? 'Shift_JIS' : 'UTF-8' })}</p>
${plan.errors.length ? html`<div class="alert alert-error" role="alert"><p><strong>${m(l, 'errorsHeading', { n: plan.errors.length })}</strong></p><p>${m(l, 'errorsBlock')}</p></div>${problemTable(plan.errors, l, 'errors')}` : ''}
<h2>${m(l, 'changesHeading', { n: plan.changes.length })}</h2>
${plan.changes.length ? html`<div class="table-scroll"><table class="table tracking-changes">
<thead><tr><th scope="col">${m(l, 'colLine')}</th><th scope="col">${m(l, 'colNumber')}</th><th scope="col">${m(l, 'colNow')}</th><th scope="col">${m(l, 'colCarrier')}</th><th scope="col">${m(l, 'colTracking')}</th></tr></thead>
<tbody>${plan.changes.map((r) => html`<tr data-line="${r.line}"><td>${r.line}</td><td><a href="/admin/orders/${r.orderId}">${r.number}</a></td><td>${r.fromLabel}</td><td>${carrierLabel(r.carrier, l)}</td><td>${r.tracking}</td></tr>`)}</tbody></table></div>` : html`<p>${m(l, 'nothingToApply')}</p>`}
${plan.unchanged.length ? html`<h2>${m(l, 'unchangedHeading', { n: plan.unchanged.length })}</h2>${problemTable(plan.unchanged, l, 'unchanged')}` : ''}
${planId !== null ? html`<form method="post" action="${section}/tracking/${planId}/apply"><button type="submit" class="btn btn-primary">${m(l, 'apply', { n: plan.changes.length })}</button></form>` : ''}
<p><a href="${section}">${m(l, 'title')}</a></p>`;
}

export function appliedNotice(l: Locale, r: ApplyResult): SafeHtml {
  return html`<div class="alert alert-success" role="status"><p>${m(l, 'applied', { n: r.shipped.length })}</p>
${r.failed.length ? html`<p>${m(l, 'appliedFailed')}</p><ul>${r.failed.map((f) => html`<li>${f.number}: ${f.message}</li>`)}</ul>` : ''}</div>`;
}
