import type { Locale } from '../../platform/i18n/index.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { inputField } from '../../platform/http/form-fields.ts';
import { formProblems } from '../form-ui.ts';
import { t } from '../messages.ts';
import { passwordLength } from '../passwords.ts';

export function staffSignInForm(l: Locale, values: Record<string, string>, errors: FieldErrors, alert: string | null, next: string, passkey: SafeHtml | string = ''): SafeHtml {
  return html`<div class="narrow">
${formProblems(alert, errors)}
${passkey}
<form method="post" action="/admin/sign-in" novalidate>
  <input type="hidden" name="next" value="${next}">
  ${inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: values.email, autocomplete: 'username webauthn', required: true, maxlength: 254, errors })}
  ${inputField({ name: 'password', label: t(l, 'password'), type: 'password', autocomplete: 'current-password', required: true, errors })}
  <button type="submit" class="btn-primary">${t(l, 'signInSubmit')}</button>
</form>
</div>`;
}

export function setupForm(l: Locale, token: string, values: Record<string, string>, errors: FieldErrors, alert: string | null): SafeHtml {
  const { min, max } = passwordLength.staff;
  return html`<div class="narrow">
<p>${t(l, 'setupIntro')}</p>
${formProblems(alert, errors)}
<form method="post" action="/admin/setup" novalidate>
  <input type="hidden" name="token" value="${token}">
  ${inputField({ name: 'name', label: t(l, 'name'), value: values.name, autocomplete: 'name', required: true, maxlength: 100, errors })}
  ${inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: values.email, autocomplete: 'username', required: true, maxlength: 254, errors })}
  ${inputField({ name: 'password', label: t(l, 'password'), type: 'password', autocomplete: 'new-password', required: true, hint: t(l, 'passwordHint', { min, max }), maxlength: max, errors })}
  <button type="submit" class="btn-primary">${t(l, 'setupSubmit')}</button>
</form>
</div>`;
}

export function setupUnavailable(l: Locale): SafeHtml {
  return html`<div class="narrow">
<p class="alert alert-error" role="alert">${t(l, 'setupInvalid')}</p>
<p><a href="/admin/sign-in">${t(l, 'staffSignInTitle')}</a></p>
</div>`;
}
