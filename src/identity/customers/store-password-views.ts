import type { Locale } from '../../platform/i18n/index.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { inputField } from '../../platform/http/form-fields.ts';
import { formProblems } from '../form-ui.ts';
import { passwordLength } from '../passwords.ts';
import { t } from '../messages.ts';

type Values = Record<string, string>;

function breadcrumbs(l: Locale, here: string): SafeHtml {
  return html`<nav class="breadcrumbs" aria-label="${t(l, 'breadcrumbs')}"><a href="/account">${t(l, 'accountTitle')}</a> › ${here}</nav>`;
}

export function forgotForm(l: Locale, values: Values, errors: FieldErrors, alert: string | null): SafeHtml {
  return html`<section class="narrow stack">
<h1>${t(l, 'forgotTitle')}</h1>
<p>${t(l, 'forgotIntro')}</p>
${formProblems(alert, errors)}
<form method="post" action="/account/password/forgot" novalidate>
  ${inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: values.email, autocomplete: 'email', required: true, maxlength: 254, errors })}
  <button type="submit" class="btn-primary">${t(l, 'forgotSubmit')}</button>
</form>
<p><a href="/account/sign-in">${t(l, 'signInTitle')}</a></p>
</section>`;
}

export function forgotSent(l: Locale): SafeHtml {
  return html`<section class="narrow stack">
<h1>${t(l, 'forgotSentTitle')}</h1>
<p class="alert alert-info" role="status">${t(l, 'forgotSentBody')}</p>
<p><a class="btn btn-primary" href="/account/sign-in">${t(l, 'signInTitle')}</a></p>
</section>`;
}

export function resetForm(l: Locale, token: string, errors: FieldErrors, alert: string | null): SafeHtml {
  const { min, max } = passwordLength.customer;
  return html`<section class="narrow stack">
<h1>${t(l, 'resetTitle')}</h1>
<p>${t(l, 'resetIntro')}</p>
${formProblems(alert, errors)}
<form method="post" action="/account/password/reset" novalidate>
  <input type="hidden" name="token" value="${token}">
  ${inputField({ name: 'password', label: t(l, 'newPassword'), type: 'password', autocomplete: 'new-password', required: true, hint: t(l, 'passwordHint', { min, max }), maxlength: max, errors })}
  <button type="submit" class="btn-primary">${t(l, 'resetSubmit')}</button>
</form>
</section>`;
}

export function resetUnavailable(l: Locale, state: 'expired' | 'used' | 'invalid'): SafeHtml {
  const message = t(l, state === 'expired' ? 'resetExpired' : state === 'used' ? 'resetUsed' : 'resetInvalid');
  return html`<section class="narrow stack">
<h1>${t(l, 'resetTitle')}</h1>
<p class="alert alert-error" role="alert">${message}</p>
<p><a class="btn btn-primary" href="/account/password/forgot">${t(l, 'requestNewLink')}</a></p>
</section>`;
}

export function resetDone(l: Locale): SafeHtml {
  return html`<section class="narrow stack">
<h1>${t(l, 'resetDoneTitle')}</h1>
<p class="alert alert-success" role="status">${t(l, 'resetDoneBody')}</p>
<p><a class="btn btn-primary" href="/account/sign-in">${t(l, 'signInTitle')}</a></p>
</section>`;
}

export function resetRequired(l: Locale): SafeHtml {
  return html`<section class="narrow stack">
<h1>${t(l, 'resetRequiredTitle')}</h1>
<p class="alert alert-info" role="status">${t(l, 'resetRequiredBody')}</p>
</section>`;
}

export function changePasswordForm(l: Locale, errors: FieldErrors, alert: string | null): SafeHtml {
  const { min, max } = passwordLength.customer;
  return html`<section class="narrow stack">
${breadcrumbs(l, t(l, 'changePasswordTitle'))}
<h1>${t(l, 'changePasswordTitle')}</h1>
${formProblems(alert, errors)}
<form method="post" action="/account/password" novalidate>
  ${inputField({ name: 'current_password', label: t(l, 'currentPassword'), type: 'password', autocomplete: 'current-password', required: true, errors })}
  ${inputField({ name: 'new_password', label: t(l, 'newPassword'), type: 'password', autocomplete: 'new-password', required: true, hint: t(l, 'passwordHint', { min, max }), maxlength: max, errors })}
  <div class="cluster">
    <button type="submit" class="btn-primary">${t(l, 'changePasswordSubmit')}</button>
    <a href="/account">${t(l, 'cancel')}</a>
  </div>
</form>
</section>`;
}

export function changeEmailForm(l: Locale, current: string, values: Values, errors: FieldErrors, alert: string | null): SafeHtml {
  return html`<section class="narrow stack">
${breadcrumbs(l, t(l, 'changeEmailTitle'))}
<h1>${t(l, 'changeEmailTitle')}</h1>
<p>${t(l, 'email')}: ${current}</p>
${formProblems(alert, errors)}
<form method="post" action="/account/email" novalidate>
  ${inputField({ name: 'email', label: t(l, 'newEmail'), type: 'email', value: values.email, autocomplete: 'email', required: true, maxlength: 254, errors })}
  ${inputField({ name: 'current_password', label: t(l, 'currentPassword'), type: 'password', autocomplete: 'current-password', required: true, errors })}
  <div class="cluster">
    <button type="submit" class="btn-primary">${t(l, 'changeEmailSubmit')}</button>
    <a href="/account">${t(l, 'cancel')}</a>
  </div>
</form>
</section>`;
}
