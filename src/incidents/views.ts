import { errorSummary, inputField, selectField, successAlert, textareaField } from '../platform/http/form-fields.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import { releases } from './containment.ts';
import { t } from './messages.ts';
import { timelineText } from './timeline-labels.ts';
import { dataKindLabels, kindLabels } from './notice-text.ts';
import { dataKinds } from './scope.ts';
import type { IncidentCase } from './service.ts';
import type { listIncidents } from './store.ts';
import { contactKinds, incidentKinds, incidentSeverities, type NoticeBody } from './tables.ts';

export const section = '/admin/security/incidents';
const sevLabel: Record<Locale, Record<string, string>> = { ja: { critical: '緊急', high: '高', medium: '中', low: '低' }, en: { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' } };

export function declareForm(l: Locale, values: Record<string, string> = {}, errors: FieldErrors = {}): SafeHtml {
  return html`<form method="post" action="${section}" class="narrow" novalidate>
${Object.keys(errors).length ? errorSummary(errors, t(l, 'fixBelow')) : ''}
${inputField({ name: 'title', label: t(l, 'fTitle'), value: values.title ?? '', required: true, maxlength: 200, errors })}
${selectField({ name: 'kind', label: t(l, 'fKind'), value: values.kind ?? '', options: incidentKinds.map((k) => ({ value: k, label: kindLabels[l][k] })), required: true, errors })}
${selectField({ name: 'severity', label: t(l, 'fSeverity'), value: values.severity ?? 'high', options: incidentSeverities.map((k) => ({ value: k, label: sevLabel[l][k]! })), required: true, errors })}
${inputField({ name: 'known_at', label: t(l, 'fKnownAt'), value: values.known_at ?? '', errors })}
${inputField({ name: 'lead', label: t(l, 'fLead'), value: values.lead ?? '', inputmode: 'numeric', errors })}
<button type="submit" class="btn-danger">${t(l, 'declare')}</button></form>`;
}

export function listPage(l: Locale, rows: Awaited<ReturnType<typeof listIncidents>>, canManage: boolean, form: SafeHtml | null): SafeHtml {
  return html`<p>${t(l, 'intro')}</p>
${rows.length === 0 ? html`<p class="muted">${t(l, 'none')}</p>` : html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">#</th><th scope="col">${t(l, 'fTitle')}</th><th scope="col">${t(l, 'fKind')}</th><th scope="col">${t(l, 'fSeverity')}</th><th scope="col">${t(l, 'status')}</th><th scope="col">${t(l, 'knownAt')}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-incident="${r.id}"><td>${r.id}</td><td><a href="${section}/${r.id}">${r.title}</a></td><td>${kindLabels[l][r.kind]}</td><td>${sevLabel[l][r.severity]}</td><td>${t(l, `st_${r.status}`)}</td><td>${formatDateTime(new Date(r.known_at), l)}</td></tr>`)}</tbody></table></div>`}
${canManage && form ? html`<h2>${t(l, 'declare')}</h2>${form}` : ''}`;
}

const yn = (l: Locale, v: boolean) => (v ? html`<strong>${t(l, 'yes')}</strong>` : t(l, 'no'));

function containment(l: Locale, c: IncidentCase, errors: FieldErrors): SafeHtml {
  const base = `${section}/${c.incident.id}/contain`;
  const button = (action: string, label: string, danger = true) => html`<form method="post" action="${base}/${action}" class="inline"><button type="submit" class="${danger ? 'btn-danger' : 'btn btn-secondary'}">${label}</button></form>`;
  return html`<h2>${t(l, 'containment')}</h2><p>${t(l, 'containmentIntro')}</p>
<ul class="actions">
<li>${c.switches.cardPaymentsStopped ? html`<strong>${t(l, 'switchOn')}: ${t(l, 'a_stop_card_payments')}</strong> ${button('resume_card_payments', t(l, 'a_resume_card_payments'), false)}` : button('stop_card_payments', t(l, 'a_stop_card_payments'))}</li>
<li>${c.switches.storeClosed ? html`<strong>${t(l, 'switchOn')}: ${t(l, 'a_close_store')}</strong> ${button('reopen_store', t(l, 'a_reopen_store'), false)}` : button('close_store', t(l, 'a_close_store'))}</li>
<li>${button('revoke_sessions', t(l, 'a_revoke_sessions'))}</li>
<li>${button('reset_customer_passwords', t(l, 'a_reset_customer_passwords'))}</li>
<li>${button('reset_staff_passwords', t(l, 'a_reset_staff_passwords'))}</li>
</ul>
<h3>${t(l, 'scriptsTitle')}</h3>
${c.scripts.length ? html`<form method="post" action="${base}/disable_script" class="narrow" novalidate>${selectField({ name: 'script_id', label: t(l, 'scriptLabel'), value: '', options: c.scripts.map((x) => ({ value: String(x.id), label: `${x.url}${x.approved_at ? '' : ` (${t(l, 'scriptPending')})`}` })), required: true, errors })}<button type="submit" class="btn-danger">${t(l, 'a_disable_script')}</button></form>` : html`<p class="muted">${t(l, 'scriptsNone')}</p>`}
<h3>${t(l, 'keysTitle')}</h3><p>${t(l, 'keysIntro')}</p>${button('rotate_keys', t(l, 'a_rotate_keys'))}
<h3>${t(l, 'networkTitle')}</h3>
<form method="post" action="${base}/block_network" class="narrow" novalidate>${inputField({ name: 'network', label: t(l, 'networkLabel'), errors })}<button type="submit" class="btn-danger">${t(l, 'a_block_network')}</button> <button type="submit" formaction="${base}/unblock_network" class="btn btn-secondary">${t(l, 'a_unblock_network')}</button></form>`;
}

function scopePart(l: Locale, c: IncidentCase, errors: FieldErrors): SafeHtml {
  const from = new Date(c.incident.window_from).toISOString().slice(0, 10);
  const to = new Date().toISOString().slice(0, 10);
  return html`<h2>${t(l, 'scope')}</h2><p>${t(l, 'scopeIntro')}</p>
<form method="post" action="${section}/${c.incident.id}/scope" class="filters">
<label for="from">${t(l, 'fFrom')}</label> <input id="from" name="from" type="date" value="${from}" required>
<label for="to">${t(l, 'fTo')}</label> <input id="to" name="to" type="date" value="${to}" required>
<label class="choice"><input type="checkbox" name="card_only" value="1"${c.incident.kind === 'card_skimming' ? html` checked` : ''}> ${t(l, 'fCardOnly')}</label>
<label class="choice"><input type="checkbox" name="customers" value="1"> ${t(l, 'fCustomers')}</label>
${inputField({ name: 'prefectures', label: t(l, 'fPrefectures'), errors })}
${inputField({ name: 'products', label: t(l, 'fProducts'), errors })}
<button type="submit" class="btn btn-secondary">${t(l, 'runScope')}</button></form>
${c.scope ? html`<p data-scope-total="${c.scope.total}"><strong>${t(l, 'people')}: ${c.scope.total}</strong>（${t(l, 'cardPeople')}: ${c.scope.counts.card ?? 0}）</p>
<p class="muted">${c.scope.criteria.from} 〜 ${c.scope.criteria.to}${c.scope.criteria.prefectures?.length ? ` / ${c.scope.criteria.prefectures.join('、')}` : ''}${c.scope.criteria.products?.length ? ` / ${c.scope.criteria.products.join(', ')}` : ''}</p>
<form method="post" action="${section}/${c.incident.id}/card-payments.csv"><button type="submit" class="btn btn-secondary">${t(l, 'cardList')}</button></form>
<table class="table"><caption>${t(l, 'perKind')}</caption><tbody>${dataKinds.map((k) => html`<tr><th scope="row">${dataKindLabels[l][k]}</th><td class="num">${c.scope!.counts[k] ?? 0}</td></tr>`)}</tbody></table>` : ''}`;
}

function campaignPart(l: Locale, c: IncidentCase): SafeHtml {
  const id = c.incident.id;
  return html`<h2>${t(l, 'campaign')}</h2><p>${t(l, 'campaignIntro')}</p>
${c.scope ? html`<form method="post" action="${section}/${id}/campaign"><button type="submit" class="btn-danger">${t(l, 'startCampaign')}</button></form>` : html`<p class="muted">${t(l, 'needScope')}</p>`}
${c.campaigns.map((k) => html`<p data-campaign="${k.id}">#${k.id}: ${t(l, 'c_queued')} ${k.queued} / ${t(l, 'c_sent')} ${k.sent} / ${t(l, 'c_bounced')} ${k.bounced} / ${t(l, 'c_letter')} ${k.letter}</p>
<form method="post" action="${section}/${id}/campaign/${k.id}/letters.pdf" class="inline"><button type="submit" class="btn btn-secondary">${t(l, 'letters')}</button></form>
<form method="post" action="${section}/${id}/campaign/${k.id}/letters.csv" class="inline"><button type="submit" class="btn btn-secondary">${t(l, 'lettersCsv')}</button></form>`)}`;
}

function noticePart(l: Locale, c: IncidentCase, draft: NoticeBody): SafeHtml {
  const id = c.incident.id;
  const fields = ['title', 'background', 'status', 'request', 'prevention', 'contact'] as const;
  return html`<h2>${t(l, 'notice')}</h2><p>${t(l, 'noticeIntro')}</p>
<form method="post" action="${section}/${id}/notice" novalidate>${fields.map((f) => (f === 'title' ? inputField({ name: f, label: t(l, `n_${f}`), value: draft[f], maxlength: 200 }) : textareaField({ name: f, label: t(l, `n_${f}`), value: draft[f], rows: 3, maxlength: 4000 })))}
<button type="submit" class="btn btn-secondary">${t(l, 'saveNotice')}</button></form>
<ul>${c.notices.map((n) => html`<li>v${n.version} ${formatDateTime(new Date(n.saved_at), l)} ${n.published_at ? html`<strong>${t(l, 'published')}</strong> ${formatDateTime(new Date(n.published_at), l)}` : html`<form method="post" action="${section}/${id}/notice/${n.version}/publish" class="inline"><button type="submit" class="btn btn-secondary">${t(l, 'publish', { v: n.version })}</button></form>`}</li>`)}</ul>`;
}

function contactsPart(l: Locale, c: IncidentCase, canManage: boolean, errors: FieldErrors): SafeHtml {
  const id = c.incident.id;
  const e = (k: string) => (errors[`contact_${k}`] ? { [k]: errors[`contact_${k}`]! } : {});
  const all = { ...e('kind'), ...e('organisation'), ...e('person'), ...e('phone'), ...e('reference'), ...e('note') };
  return html`<h2 id="contacts">${t(l, 'contacts')}</h2><p>${t(l, 'contactsIntro')}</p>
${c.contacts.length ? html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">${t(l, 'cKind')}</th><th scope="col">${t(l, 'cOrganisation')}</th><th scope="col">${t(l, 'cPerson')}</th><th scope="col">${t(l, 'cPhone')}</th><th scope="col">${t(l, 'cReference')}</th><th scope="col">${t(l, 'cContacted')}</th></tr></thead>
<tbody>${c.contacts.map((k) => html`<tr data-contact="${k.id}"><td>${t(l, `ck_${k.kind}` as never)}</td><td>${k.organisation}${k.note ? html`<br><span class="muted small">${k.note}</span>` : ''}</td><td>${k.person}</td><td>${k.phone}</td><td>${k.reference}</td>
<td>${k.contacted_at ? formatDateTime(new Date(k.contacted_at), l) : canManage ? html`<form method="post" action="${section}/${id}/contacts/${k.id}/contacted" class="inline"><button type="submit" class="btn btn-secondary">${t(l, 'cMark')}</button></form>` : '—'}</td></tr>`)}</tbody></table></div>` : html`<p class="muted">${t(l, 'contactsNone')}</p>`}
${canManage ? html`<form method="post" action="${section}/${id}/contacts" class="narrow" novalidate>
${selectField({ name: 'kind', label: t(l, 'cKind'), value: '', options: contactKinds.map((k) => ({ value: k, label: t(l, `ck_${k}` as never) })), required: true, errors: all })}
${inputField({ name: 'organisation', label: t(l, 'cOrganisation'), required: true, maxlength: 200, errors: all })}
${inputField({ name: 'person', label: t(l, 'cPerson'), maxlength: 200, errors: all })}
${inputField({ name: 'phone', label: t(l, 'cPhone'), maxlength: 40, errors: all })}
${inputField({ name: 'reference', label: t(l, 'cReference'), maxlength: 200, errors: all })}
${textareaField({ name: 'note', label: t(l, 'cNote'), rows: 2, maxlength: 2000, errors: all })}
<button type="submit" class="btn btn-secondary">${t(l, 'cAdd')}</button></form>` : ''}`;
}

function timelinePart(l: Locale, c: IncidentCase): SafeHtml {
  return html`<h2>${t(l, 'timeline')}</h2><div class="table-scroll"><table class="table" id="timeline"><thead><tr><th scope="col">${t(l, 'when')}</th><th scope="col">${t(l, 'who')}</th><th scope="col">${t(l, 'what')}</th></tr></thead>
<tbody>${c.timeline.map((e) => html`<tr data-event="${e.kind}" data-action="${typeof e.detail.action === 'string' ? e.detail.action : ''}"><td>${formatDateTime(new Date(e.at), l)}</td><td>${e.staff_name ?? t(l, 'system')}</td><td>${timelineText(l, e.kind, e.detail)}</td></tr>`)}</tbody></table></div>`;
}

export function casePage(l: Locale, c: IncidentCase, p: { canManage: boolean; canNote: boolean; notice: string | null; errors: FieldErrors; draft: NoticeBody }): SafeHtml {
  const inc = c.incident;
  const id = inc.id;
  return html`${successAlert(p.notice)}
<dl class="facts"><dt>${t(l, 'fKind')}</dt><dd>${kindLabels[l][inc.kind]}</dd><dt>${t(l, 'fSeverity')}</dt><dd>${sevLabel[l][inc.severity]}</dd><dt>${t(l, 'status')}</dt><dd>${t(l, `st_${inc.status}`)}</dd>
<dt>${t(l, 'knownAt')}</dt><dd>${formatDateTime(new Date(inc.known_at), l)}</dd><dt>${t(l, 'declaredAt')}</dt><dd>${formatDateTime(new Date(inc.declared_at), l)}（${inc.declared_by_name ?? ''}）</dd><dt>${t(l, 'lead')}</dt><dd>${inc.lead_name ?? '—'}</dd></dl>
<h2>${t(l, 'deadlines')}</h2><ul><li>${t(l, 'prelim')}: <strong>${formatDateTime(c.deadlines.preliminaryBy, l)}</strong></li><li>${t(l, 'final', { days: c.deadlines.finalDays })}: <strong>${formatDateTime(c.deadlines.finalBy, l)}</strong></li></ul>
<h3>${t(l, 'triggers')}</h3><ul><li>${t(l, 'trSensitive')}: ${yn(l, c.triggers.sensitive)}</li><li>${t(l, 'trFinancial')}: ${yn(l, c.triggers.financialHarm)}</li><li>${t(l, 'trWrongful')}: ${yn(l, c.triggers.wrongfulPurpose)}</li><li>${t(l, 'trThousand')}: ${yn(l, c.triggers.overThousand)}</li><li>${t(l, 'trExempt')}: ${yn(l, c.triggers.encryptionExempt)}</li></ul>
<p>${c.triggers.reportRequired ? html`<strong>${t(l, 'trRequired')}</strong>` : t(l, 'trNotRequired')}</p>
${p.canManage ? containment(l, c, p.errors) : ''}
${p.canManage ? scopePart(l, c, p.errors) : ''}
${p.canManage ? campaignPart(l, c) : ''}
${p.canManage ? noticePart(l, c, p.draft) : ''}
<h2>${t(l, 'report')}</h2><p><a href="${section}/${id}/report/preliminary/edit">${t(l, 'reportEdit', { stage: '速報' })}</a> · <a href="${section}/${id}/report/final/edit">${t(l, 'reportEdit', { stage: '確報' })}</a></p><p><a href="${section}/${id}/report?ppc=preliminary">${t(l, 'reportPrelim')}</a> · <a href="${section}/${id}/report?ppc=final">${t(l, 'reportFinal')}</a> · PDF: <a href="${section}/${id}/report?ppc=preliminary&amp;format=pdf">${t(l, 'reportPrelim')}</a> · <a href="${section}/${id}/report?ppc=final&amp;format=pdf">${t(l, 'reportFinal')}</a></p>
<h2>${t(l, 'evidence')}</h2><p>${t(l, 'evidenceIntro', { n: c.evidence.items })}</p><p>${c.evidence.ok ? t(l, 'evidenceOk') : html`<strong>${t(l, 'evidenceBad')}</strong>`} <code>${c.evidence.expected ?? ''}</code></p>
${p.canManage ? html`<form method="post" action="${section}/${id}/evidence"><button type="submit" class="btn btn-secondary">${t(l, 'exportEvidence')}</button></form>` : ''}
<h2>${t(l, 'tasks')}</h2><ul class="tasks">${c.tasks.map((k) => html`<li>${p.canManage ? html`<form method="post" action="${section}/${id}/tasks/${k.id}" class="inline"><input type="hidden" name="done" value="${k.done_at ? '0' : '1'}"><button type="submit" class="btn btn-secondary">${k.done_at ? '☑' : '☐'}</button></form>` : k.done_at ? '☑' : '☐'} ${k.title}</li>`)}</ul>
${p.canManage ? html`<form method="post" action="${section}/${id}/tasks" class="filters"><label for="task">${t(l, 'tasks')}</label> <input id="task" name="title" maxlength="200" required><button type="submit" class="btn btn-secondary">${t(l, 'addTask')}</button></form>` : ''}
${contactsPart(l, c, p.canManage, p.errors)}
${p.canNote ? html`<h2>${t(l, 'notes')}</h2><form method="post" action="${section}/${id}/notes" novalidate>${textareaField({ name: 'body', label: t(l, 'addNote'), rows: 3, maxlength: 4000, errors: p.errors })}<button type="submit" class="btn btn-secondary">${t(l, 'addNote')}</button></form>` : ''}
${timelinePart(l, c)}`;
}
