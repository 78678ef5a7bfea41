import { inputField, successAlert } from '../../platform/http/form-fields.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatDateTime, type Locale } from '../../platform/i18n/index.ts';
import { t2 } from './admin-messages.ts';
import { formProblems } from '../form-ui.ts';
import type { EmergencyAction } from './emergency.ts';

export interface EmergencyPageState {
  shopName: string;
  notice: string | null;
  alert: string | null;
  /** Which form the alert belongs to. */
  failed: EmergencyAction | null;
  history: Array<{ id: number; staff_email: string; action: EmergencyAction; sessions_revoked: number; customers_flagged: number; staff_flagged: number; created_at: Date }>;
}

const forms: Array<{ action: EmergencyAction; title: 'emergencyRevokeTitle' | 'emergencyCustomersTitle' | 'emergencyStaffTitle'; body: 'emergencyRevokeBody' | 'emergencyCustomersBody' | 'emergencyStaffBody'; submit: 'emergencyRevokeSubmit' | 'emergencyCustomersSubmit' | 'emergencyStaffSubmit' }> = [
  { action: 'revoke_sessions', title: 'emergencyRevokeTitle', body: 'emergencyRevokeBody', submit: 'emergencyRevokeSubmit' },
  { action: 'reset_customer_passwords', title: 'emergencyCustomersTitle', body: 'emergencyCustomersBody', submit: 'emergencyCustomersSubmit' },
  { action: 'reset_staff_passwords', title: 'emergencyStaffTitle', body: 'emergencyStaffBody', submit: 'emergencyStaffSubmit' },
];

export function emergencyPage(l: Locale, p: EmergencyPageState): SafeHtml {
  return html`${successAlert(p.notice)}
<p>${t2(l, 'emergencyIntro')}</p>
${forms.map((f) => {
  const errors: Record<string, string> = p.failed === f.action && p.alert ? { [`confirm-${f.action}`]: p.alert } : {};
  return html`<section aria-labelledby="h-${f.action}">
<h2 id="h-${f.action}">${t2(l, f.title)}</h2>
<p>${t2(l, f.body)}</p>
${p.failed === f.action ? formProblems(p.alert, errors) : ''}
<form method="post" action="/admin/security/emergency/${f.action}" class="narrow" novalidate>
  ${inputField({ name: `confirm-${f.action}`, label: t2(l, 'emergencyConfirm', { shop: p.shopName }), required: true, autocomplete: 'off', maxlength: 200, errors })}
  <button type="submit" class="btn-danger">${t2(l, f.submit)}</button>
</form>
</section>`;
})}
<h2>${t2(l, 'emergencyHistory')}</h2>
${p.history.length === 0
  ? html`<p class="muted">${t2(l, 'emergencyNone')}</p>`
  : html`<div class="table-scroll"><table class="table">
<thead><tr><th scope="col">${t2(l, 'when')}</th><th scope="col">${t2(l, 'who')}</th><th scope="col">${t2(l, 'what')}</th><th scope="col">${t2(l, 'counts')}</th></tr></thead>
<tbody>${p.history.map((h) => html`<tr><td>${formatDateTime(h.created_at, l)}</td><td>${h.staff_email}</td><td>${t2(l, `emergency_${h.action}`)}</td><td>${h.sessions_revoked} / ${h.customers_flagged} / ${h.staff_flagged}</td></tr>`)}</tbody>
</table></div>`}`;
}
