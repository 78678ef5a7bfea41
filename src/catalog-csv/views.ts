import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import type { CsvEncoding } from './encoding.ts';
import { m } from './messages.ts';
import type { ImportPlan, RowAction } from './plan.ts';

const encodingLabel: Record<CsvEncoding, string> = { 'utf-8': 'UTF-8', 'utf-8-bom': 'UTF-8 (BOM)', cp932: 'Shift_JIS (CP932)' };

export interface CsvPageState {
  fileError?: string;
  notice?: string;
  check?: { importId: number; fileName: string; encoding: CsvEncoding; plan: ImportPlan; refused?: boolean };
}

function planTable(req: FastifyRequest, plan: ImportPlan): SafeHtml {
  const l = req.locale;
  const action = (x: RowAction) => m(l, `action_${x}`);
  return html`<p id="csv-summary" role="status">${m(l, 'summary', plan.counts)}</p>
<div class="table-scroll"><table class="table stack-on-phone" id="csv-rows"><thead><tr><th scope="col">${m(l, 'col_line')}</th><th scope="col">${m(l, 'col_slug')}</th><th scope="col">${m(l, 'col_sku')}</th><th scope="col">${m(l, 'col_action')}</th><th scope="col">${m(l, 'col_messages')}</th></tr></thead>
<tbody>${plan.rows.map(
    (r) => html`<tr data-action="${r.action}"${r.action === 'error' ? html` class="row-error"` : ''}><td data-label="${m(l, 'col_line')}">${r.line}</td><td data-label="${m(l, 'col_slug')}">${r.slug}</td><td data-label="${m(l, 'col_sku')}">${r.sku}</td><td data-label="${m(l, 'col_action')}">${action(r.action)}</td><td data-label="${m(l, 'col_messages')}">${r.errors.length ? html`<ul class="field-error">${r.errors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

export function csvPage(req: FastifyRequest, state: CsvPageState, canWrite: boolean): SafeHtml {
  const l = req.locale;
  const c = state.check;
  const checkResult = c
    ? html`<section aria-labelledby="dry-run"><h2 id="dry-run">${m(l, 'dryRunTitle')}</h2>
<p class="small muted">${m(l, 'detected', { name: c.fileName, encoding: encodingLabel[c.encoding] })}</p>
${c.plan.counts.error || c.refused ? html`<p class="alert alert-error" role="alert">${m(l, 'hasErrors')}</p>` : ''}
${planTable(req, c.plan)}
${c.plan.counts.error === 0 && !c.refused
  ? html`<form method="post" action="/admin/products/csv/apply"><input type="hidden" name="import_id" value="${c.importId}"><button type="submit" class="btn-primary">${m(l, 'apply')}</button></form>`
  : ''}
</section>`
    : '';
  const fileError = state.fileError;
  const body = html`${state.notice ? html`<p class="alert alert-success" role="status">${state.notice}</p>` : ''}
${checkResult}
<section aria-labelledby="csv-export"><h2 id="csv-export">${m(l, 'exportHeading')}</h2>
<p>${m(l, 'exportHelp')}</p>
<p><a class="btn btn-secondary" href="/admin/products/csv/export?encoding=utf-8-bom" download>${m(l, 'exportUtf8')}</a> <a class="btn btn-secondary" href="/admin/products/csv/export?encoding=cp932" download>${m(l, 'exportSjis')}</a></p>
<p class="small muted">${m(l, 'sjisNote')}</p>
</section>
${canWrite
  ? html`<section aria-labelledby="csv-import"><h2 id="csv-import">${c ? m(l, 'again') : m(l, 'importHeading')}</h2>
<p>${m(l, 'importHelp')}</p>
<form method="post" action="/admin/products/csv/check" enctype="multipart/form-data" novalidate>
<div class="field"><label for="file">${m(l, 'file')}</label>
<input id="file" name="file" type="file" accept=".csv,text/csv"${fileError ? html` aria-invalid="true" aria-describedby="file-error"` : ''}>
${fileError ? html`<p class="field-error" id="file-error">${fileError}</p>` : ''}</div>
<button type="submit" class="btn-primary">${m(l, 'check')}</button>
</form></section>`
  : ''}`;
  return adminPage(req, { title: m(l, 'title'), body, section: '/admin/products' });
}
