import { t as adminT } from '../../admin/messages.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { formatDateTime } from '../../platform/i18n/index.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { inputField, selectField, successAlert } from '../../platform/http/form-fields.ts';
import { t2 } from './admin-messages.ts';
import { formProblems } from '../form-ui.ts';
import { t } from '../messages.ts';
import { passwordLength } from '../passwords.ts';
import { staffRoles } from './staff-accounts.ts';
import type { StaffRole } from '../tables.ts';

export const roleName = (l: Locale, role: StaffRole) => adminT(l, `role_${role}`);

export interface StaffRow {
  id: number;
  name: string;
  email: string;
  role: StaffRole;
  active: boolean;
  last_sign_in_at: Date | null;
  totp_enabled_at: Date | null;
  /** From the login throttle: sign-in is locked (null: unknown, e.g. the counter store is down). */
  locked?: boolean | null;
}

export interface StaffPageState {
  staff: StaffRow[];
  currentStaffId: number;
  notice: string | null;
  alert: string | null;
  values: Record<string, string>;
  errors: FieldErrors;
}

function staffActions(l: Locale, s: StaffRow): SafeHtml {
  const who = html`<span class="visually-hidden"> ${s.name}</span>`;
  return html`<div class="cluster">
<form method="post" action="/admin/staff/${s.id}/${s.active ? 'deactivate' : 'reactivate'}"><button type="submit" class="${s.active ? 'btn-danger' : 'btn-secondary'}">${t(l, s.active ? 'deactivate' : 'reactivate')}${who}</button></form>
${s.locked === false ? '' : html`<form method="post" action="/admin/staff/${s.id}/unlock"><button type="submit" class="btn-secondary">${t2(l, 'unlock')}${who}</button></form>`}
${s.totp_enabled_at ? html`<form method="post" action="/admin/staff/${s.id}/reset-2fa"><button type="submit" class="btn-secondary">${t2(l, 'reset2fa')}${who}</button></form>` : ''}
<form method="post" action="/admin/staff/${s.id}/role" class="cluster">
  <label class="visually-hidden" for="role-${s.id}">${t(l, 'role')} ${s.name}</label>
  <select id="role-${s.id}" name="role">${staffRoles.map((r) => html`<option value="${r}"${r === s.role ? html` selected` : ''}>${roleName(l, r)}</option>`)}</select>
  <button type="submit" class="btn-secondary">${t2(l, 'changeRole')}${who}</button>
</form>
</div>`;
}

export function staffPage(l: Locale, p: StaffPageState): SafeHtml {
  const { min, max } = passwordLength.staff;
  return html`${successAlert(p.notice)}${formProblems(p.alert, p.errors)}
<div class="table-scroll">
<table class="table">
  <caption class="visually-hidden">${t(l, 'staffTitle')}</caption>
  <thead><tr><th scope="col">${t(l, 'name')}</th><th scope="col">${t(l, 'email')}</th><th scope="col">${t(l, 'role')}</th><th scope="col">${t(l, 'status')}</th><th scope="col">${t(l, 'lastSignIn')}</th><th scope="col">${t2(l, 'totpStatus')}</th><th scope="col"><span class="visually-hidden">${t(l, 'actions')}</span></th></tr></thead>
  <tbody>
  ${p.staff.map(
    (s) => html`<tr>
    <td>${s.name}${s.id === p.currentStaffId ? html` <span class="muted small">(${t(l, 'you')})</span>` : ''}</td>
    <td>${s.email}</td>
    <td>${roleName(l, s.role)}</td>
    <td>${s.active ? t(l, 'active') : html`<span class="muted">${t(l, 'inactive')}</span>`}${s.locked ? html` <strong class="badge">${t2(l, 'lockedBadge')}</strong>` : ''}</td>
    <td>${s.last_sign_in_at ? formatDateTime(s.last_sign_in_at, l) : html`<span class="muted">${t(l, 'never')}</span>`}</td>
    <td>${s.totp_enabled_at ? t2(l, 'totpEnabled') : html`<span class="muted">${t2(l, 'totpNotEnabled')}</span>`}</td>
    <td>${s.id === p.currentStaffId ? '' : staffActions(l, s)}</td>
  </tr>`,
  )}
  </tbody>
</table>
</div>
<h2 id="add-staff">${t(l, 'staffAdd')}</h2>
<form method="post" action="/admin/staff" class="narrow" novalidate aria-labelledby="add-staff">
  ${inputField({ name: 'name', label: t(l, 'name'), value: p.values.name, required: true, maxlength: 100, autocomplete: 'off', errors: p.errors })}
  ${inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: p.values.email, required: true, maxlength: 254, autocomplete: 'off', errors: p.errors })}
  ${selectField({ name: 'role', label: t(l, 'role'), value: p.values.role, options: staffRoles.map((r) => ({ value: r, label: roleName(l, r) })), placeholder: t(l, 'choose'), required: true, errors: p.errors })}
  ${inputField({ name: 'password', label: t(l, 'initialPassword'), type: 'password', required: true, autocomplete: 'new-password', hint: t(l, 'initialPasswordHint', { min, max }), maxlength: max, errors: p.errors })}
  <button type="submit" class="btn-primary">${t(l, 'staffAdd')}</button>
</form>`;
}
