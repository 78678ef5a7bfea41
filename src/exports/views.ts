import { statusLabel } from '../orders/format.ts';
import { orderStatuses } from '../orders/state-machine.ts';
import { errorMessage } from '../platform/http/errors.ts';
import { errorSummary, selectField } from '../platform/http/form-fields.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';
import type { ExportRow } from './requests.ts';
import { exportKinds, type ExportFilter } from './tables.ts';

export const section = '/admin/exports';

function subnav(l: Locale, current: string): SafeHtml {
  const links: Array<[string, Parameters<typeof t>[1]]> = [[section, 'linkForm'], [`${section}/requests`, 'linkRequests'], [`${section}/history`, 'linkHistory']];
  return html`<nav class="cluster subnav" aria-label="${t(l, 'title')}">${links.map(([href, key]) => html`<a href="${href}"${href === current ? html` aria-current="page"` : ''}>${t(l, key)}</a>`)}</nav>`;
}

function dateField(name: string, label: string, value: string, errors: FieldErrors): SafeHtml {
  const error = errors[name];
  return html`<div class="field"><label for="${name}">${label}</label>
<input id="${name}" name="${name}" type="date" value="${value}"${error ? html` aria-invalid="true" aria-describedby="${name}-error"` : ''}>
${error ? html`<p class="field-error" id="${name}-error">${error}</p>` : ''}</div>`;
}

export function exportFormPage(l: Locale, p: { caps: { maxRows: number; maxPerDay: number }; used: number; values: Record<string, string>; errors: FieldErrors; notice?: string }): SafeHtml {
  const v = p.values;
  const kindError = p.errors.kind;
  return html`${subnav(l, section)}
${p.notice ? html`<p class="alert alert-info" role="status">${p.notice}</p>` : ''}
${errorSummary(p.errors, errorMessage('validation', l))}
<p>${t(l, 'intro')}</p>
<p class="hint" data-caps="${p.caps.maxRows}/${p.caps.maxPerDay}">${t(l, 'limits', { rows: p.caps.maxRows, perDay: p.caps.maxPerDay, used: p.used })}</p>
<form method="post" action="${section}" class="card narrow stack">
  <fieldset id="kind"${kindError ? html` aria-invalid="true" aria-describedby="kind-error"` : ''}><legend>${t(l, 'kind')}</legend>
    ${exportKinds.map((k) => html`<label class="choice"><input type="radio" name="kind" value="${k}"${v.kind === k ? html` checked` : ''}> ${t(l, `kind_${k}`)}</label>`)}
    ${kindError ? html`<p class="field-error" id="kind-error">${kindError}</p>` : ''}
  </fieldset>
  <fieldset><legend>${t(l, 'orderFilters')}</legend>
    ${selectField({ name: 'status', label: t(l, 'status'), value: v.status ?? '', errors: p.errors, placeholder: t(l, 'all'), options: orderStatuses.map((s) => ({ value: s, label: statusLabel(s, l) })) })}
    ${dateField('from', t(l, 'from'), v.from ?? '', p.errors)}
    ${dateField('to', t(l, 'to'), v.to ?? '', p.errors)}
  </fieldset>
  <p class="small muted">${t(l, 'stepUpNote')}</p>
  <div><button type="submit" class="btn btn-primary">${t(l, 'submit')}</button></div>
</form>`;
}

function filterText(f: ExportFilter): string {
  return Object.entries(f).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(' ');
}

function statusOf(r: ExportRow, now: Date): Parameters<typeof t>[1] {
  if (r.status === 'approved' && r.downloadUntil && r.downloadUntil <= now) return 'status_expired';
  return `status_${r.status}`;
}

function actions(r: ExportRow, l: Locale, viewer: { id: number; canApprove: boolean }, now: Date): SafeHtml {
  if (r.status === 'pending') {
    if (r.requestedBy === viewer.id || !viewer.canApprove) return html`<span class="muted">${t(l, 'waitingOther')}</span>`;
    return html`<div class="cluster"><form method="post" action="${section}/requests/${r.id}/approve"><button type="submit" class="btn btn-primary">${t(l, 'approve')}</button></form>
<form method="post" action="${section}/requests/${r.id}/deny"><button type="submit" class="btn btn-danger">${t(l, 'deny')}</button></form></div>`;
  }
  if (r.status === 'approved' && r.requestedBy === viewer.id && r.downloadUntil && r.downloadUntil > now) {
    return html`<form method="post" action="${section}/requests/${r.id}/download"><button type="submit" class="btn btn-primary">${t(l, 'download')}</button> <span class="small muted">${t(l, 'downloadUntil', { at: formatDateTime(r.downloadUntil, l) })}</span></form>`;
  }
  return html``;
}

function table(rows: ExportRow[], l: Locale, viewer: { id: number; canApprove: boolean } | null): SafeHtml {
  const now = new Date();
  return html`<div class="table-scroll"><table class="table exports">
<thead><tr><th scope="col">${t(l, 'colId')}</th><th scope="col">${t(l, 'colAt')}</th><th scope="col">${t(l, 'colBy')}</th><th scope="col">${t(l, 'colKind')}</th><th scope="col">${t(l, 'colFilter')}</th><th scope="col" class="num">${t(l, 'colRows')}</th><th scope="col">${t(l, 'colCaps')}</th><th scope="col">${t(l, 'colStatus')}</th><th scope="col">${t(l, 'colDecided')}</th>${viewer ? html`<th scope="col">${t(l, 'colActions')}</th>` : ''}</tr></thead>
<tbody>${rows.map(
    (r) => html`<tr data-export="${r.id}" data-status="${r.status}"><td>#${r.id}</td><td>${formatDateTime(r.requestedAt, l)}</td><td>${r.requestedByName ?? '—'} (#${r.requestedBy})</td><td>${t(l, `kind_${r.kind}`)}</td><td><code>${filterText(r.filter)}</code></td><td class="num">${r.exportedRows ?? r.rowCount}</td><td>${r.overCaps.map((c) => t(l, c === 'rows' ? 'cap_rows' : 'cap_daily')).join(', ')}</td><td>${t(l, statusOf(r, now))}</td><td>${r.decidedBy ? html`${r.decidedByName ?? '—'} (#${r.decidedBy}) ${r.decidedAt ? formatDateTime(r.decidedAt, l) : ''}` : ''}</td>${viewer ? html`<td>${actions(r, l, viewer, now)}</td>` : ''}</tr>`,
  )}</tbody></table></div>`;
}

export function requestsPage(l: Locale, rows: ExportRow[], viewer: { id: number; canApprove: boolean }, notice?: string): SafeHtml {
  return html`${subnav(l, `${section}/requests`)}
${notice ? html`<p class="alert alert-info" role="status">${notice}</p>` : ''}
${rows.length ? table(rows, l, viewer) : html`<p>${t(l, 'noRequests')}</p>`}`;
}

export function historyPage(l: Locale, rows: ExportRow[]): SafeHtml {
  return html`${subnav(l, `${section}/history`)}
${rows.length ? table(rows, l, null) : html`<p>${t(l, 'noHistory')}</p>`}`;
}
