import { tc } from '../../outbox/customer-messages.ts';
import { tp } from '../passkeys/messages.ts';
import { passkeyButton } from '../passkeys/views.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { formatDateTime } from '../../platform/i18n/index.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { inputField, successAlert } from '../../platform/http/form-fields.ts';
import { formProblems, optionalLabel } from '../form-ui.ts';
import { formatPhone } from '../../platform/privacy/masking.ts';
import { passwordLength } from '../passwords.ts';
import { t } from '../messages.ts';
import { tf } from '../two-factor/two-factor-messages.ts';

type Values = Record<string, string>;

export function registerForm(l: Locale, values: Values, errors: FieldErrors, alert: string | null): SafeHtml {
  const { min, max } = passwordLength.customer;
  return html`<section class="narrow stack">
<h1>${t(l, 'registerTitle')}</h1>
<p>${t(l, 'registerIntro')}</p>
${formProblems(alert, errors)}
<form method="post" action="/account/register" novalidate>
  ${inputField({ name: 'name', label: t(l, 'name'), value: values.name, autocomplete: 'name', required: true, maxlength: 100, errors })}
  ${inputField({ name: 'name_kana', label: optionalLabel(l, t(l, 'nameKana')), value: values.name_kana, hint: t(l, 'nameKanaHint'), maxlength: 100, errors })}
  ${inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: values.email, autocomplete: 'email', required: true, maxlength: 254, errors })}
  ${inputField({ name: 'password', label: t(l, 'password'), type: 'password', autocomplete: 'new-password', required: true, hint: t(l, 'passwordHint', { min, max }), maxlength: max, errors })}
  ${inputField({ name: 'phone', label: optionalLabel(l, t(l, 'phone')), type: 'tel', value: values.phone, autocomplete: 'tel', inputmode: 'tel', maxlength: 20, errors })}
  ${termsConsent(l, values, errors)}
  <button type="submit" class="btn-primary">${t(l, 'registerSubmit')}</button>
</form>
<p>${t(l, 'haveAccount')} <a href="/account/sign-in">${t(l, 'signInTitle')}</a></p>
</section>`;
}

/** 利用規約への同意 (issue 16): a checkbox the shopper ticks, with the terms one click away. */
function termsConsent(l: Locale, values: Values, errors: FieldErrors): SafeHtml {
  const error = errors.agree_terms;
  return html`<div class="field">
<p class="hint" id="agree_terms-hint"><a href="/legal/terms" target="_blank" rel="noopener">${t(l, 'readTerms')}</a></p>
<label class="choice" for="agree_terms"><input type="checkbox" id="agree_terms" name="agree_terms" value="on"${values.agree_terms === 'on' ? html` checked` : ''} required${error ? html` aria-invalid="true"` : ''} aria-describedby="agree_terms-hint${error ? ' agree_terms-error' : ''}"> ${t(l, 'agreeTerms')}</label>
${error ? html`<p class="field-error" id="agree_terms-error">${error}</p>` : ''}
</div>`;
}

export function registeredNotice(l: Locale): SafeHtml {
  return html`<section class="narrow stack">
<h1>${t(l, 'registeredTitle')}</h1>
<p class="alert alert-info" role="status">${t(l, 'registeredBody')}</p>
<p><a class="btn btn-primary" href="/account/sign-in">${t(l, 'signInTitle')}</a></p>
</section>`;
}

export function signInForm(l: Locale, values: Values, errors: FieldErrors, alert: string | null, next: string): SafeHtml {
  // Issue 17: a passkey (button, or the browser's autofill on the e-mail field) besides the password.
  const passkey = passkeyButton(l, { label: tp(l, 'signInWithPasskey'), optionsUrl: '/account/passkeys/sign-in/options', verifyUrl: '/account/passkeys/sign-in/verify', next, autofill: true });
  return html`<section class="narrow stack">
<h1>${t(l, 'signInTitle')}</h1>
${formProblems(alert, errors)}
${passkey}
<form method="post" action="/account/sign-in" novalidate>
  <input type="hidden" name="next" value="${next}">
  ${inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: values.email, autocomplete: 'username webauthn', required: true, maxlength: 254, errors })}
  ${inputField({ name: 'password', label: t(l, 'password'), type: 'password', autocomplete: 'current-password', required: true, errors })}
  <button type="submit" class="btn-primary">${t(l, 'signInSubmit')}</button>
</form>
<p><a href="/account/password/forgot">${t(l, 'forgotPasswordLink')}</a></p>
<p>${t(l, 'noAccount')} <a href="/account/register">${t(l, 'registerTitle')}</a></p>
</section>`;
}

export interface ProfileView {
  name: string;
  name_kana: string;
  email: string;
  phone: string;
  created_at: Date;
}

export function accountOverview(l: Locale, p: ProfileView, notice: string | null = null): SafeHtml {
  const notSet = html`<span class="muted">${t(l, 'notSet')}</span>`;
  return html`<section class="narrow stack">
<h1>${t(l, 'accountTitle')}</h1>
${successAlert(notice)}
<div class="card">
  <h2>${t(l, 'profile')}</h2>
  <dl class="account-facts">
    <dt>${t(l, 'name')}</dt><dd>${p.name}</dd>
    <dt>${t(l, 'nameKana')}</dt><dd>${p.name_kana || notSet}</dd>
    <dt>${t(l, 'email')}</dt><dd>${p.email}</dd>
    <dt>${t(l, 'phone')}</dt><dd>${p.phone ? formatPhone(p.phone) : notSet}</dd>
    <dt>${t(l, 'memberSince')}</dt><dd>${formatDateTime(p.created_at, l)}</dd>
  </dl>
</div>
<nav aria-label="${t(l, 'accountTitle')}">
  <ul class="account-links stack">
    <li><a href="/account/orders">${t(l, 'ordersLink')}</a></li>
    <li><a href="/account/addresses">${t(l, 'addressesTitle')}</a></li>
    <li><a href="/account/mail">${tc(l, 'accountLink')}</a></li>
  </ul>
</nav>
<div class="card stack">
  <h2>${t(l, 'security')}</h2>
  <ul class="account-links stack">
    <li><a href="/account/password">${t(l, 'changePasswordTitle')}</a></li>
    <li><a href="/account/email">${t(l, 'changeEmailTitle')}</a></li>
    <li><a href="/account/2fa">${tf(l, 'accountLink')}</a></li>
    <li><a href="/account/passkeys">${tp(l, 'title')}</a></li>
  </ul>
</div>
<form method="post" action="/account/sign-out"><button type="submit" class="btn-secondary">${t(l, 'signOut')}</button></form>
</section>`;
}
