import { inputField, successAlert } from '../../platform/http/form-fields.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { html, unsafeRaw, type SafeHtml } from '../../platform/http/html.ts';
import { formatDateTime, type Locale } from '../../platform/i18n/index.ts';
import { formProblems } from '../form-ui.ts';
import { t } from '../messages.ts';
import { tf } from './two-factor-messages.ts';

const codeField = (l: Locale, errors: FieldErrors, hint: boolean) =>
  inputField({ name: 'code', label: tf(l, 'code'), inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 32, ...(hint ? { hint: tf(l, 'codeHint') } : {}), errors });
const passwordField = (l: Locale, errors: FieldErrors) =>
  inputField({ name: 'current_password', label: t(l, 'currentPassword'), type: 'password', autocomplete: 'current-password', required: true, errors });

/** The second step of a customer sign-in (the challenge itself is in an HttpOnly cookie). */
export function signInCodeForm(l: Locale, next: string, alert: string | null): SafeHtml {
  const errors: FieldErrors = alert ? { code: alert } : {};
  return html`<section class="narrow stack">
<h1>${tf(l, 'signInTitle')}</h1>
<p>${tf(l, 'signInIntro')}</p>
${formProblems(alert, {})}
<form method="post" action="/account/sign-in/2fa" novalidate>
  <input type="hidden" name="next" value="${next}">
  ${codeField(l, errors, true)}
  <button type="submit" class="btn-primary">${tf(l, 'signInSubmit')}</button>
</form>
<p><a href="/account/sign-in">${tf(l, 'startOver')}</a></p>
</section>`;
}

export function challengeExpired(l: Locale): SafeHtml {
  return html`<section class="narrow stack">
<h1>${tf(l, 'signInTitle')}</h1>
<p class="alert alert-error" role="alert">${tf(l, 'challengeExpired')}</p>
<p><a class="btn btn-primary" href="/account/sign-in">${tf(l, 'startOver')}</a></p>
</section>`;
}

/** /account/2fa: on or off, and the form to turn it off. */
export function twoFactorStatus(l: Locale, p: { enabledAt: Date | null; unusedCodes: number; errors: FieldErrors; alert: string | null; notice: string | null }): SafeHtml {
  if (!p.enabledAt) {
    return html`<section class="narrow stack">
<h1>${tf(l, 'title')}</h1>
${successAlert(p.notice)}
<p>${tf(l, 'statusOff')}</p>
<p><a class="btn btn-primary" href="/account/2fa/setup">${tf(l, 'turnOn')}</a></p>
<p><a href="/account">${t(l, 'accountTitle')}</a></p>
</section>`;
  }
  return html`<section class="narrow stack">
<h1>${tf(l, 'title')}</h1>
<p>${tf(l, 'statusOn', { date: formatDateTime(p.enabledAt, l) })}</p>
<p>${tf(l, 'codesLeft', { n: p.unusedCodes })}</p>
<div class="card stack">
<h2>${tf(l, 'turnOff')}</h2>
<p>${tf(l, 'turnOffIntro')}</p>
${formProblems(p.alert, p.errors)}
<form method="post" action="/account/2fa/disable" novalidate>
  ${passwordField(l, p.errors)}
  ${codeField(l, p.errors, true)}
  <button type="submit" class="btn-secondary">${tf(l, 'turnOff')}</button>
</form>
</div>
<p><a href="/account">${t(l, 'accountTitle')}</a></p>
</section>`;
}

/**
 * Enrolment: the secret as a QR code and as text, confirmed with the password and a code. `qrSvg`
 * is markup we generated from the otpauth URI (the qrcode library's SVG: paths only, no user text).
 */
export function enrolForm(l: Locale, p: { secret: string; qrSvg: string; errors: FieldErrors; alert: string | null }): SafeHtml {
  return html`<section class="narrow stack">
<h1>${tf(l, 'setupTitle')}</h1>
<p>${tf(l, 'setupIntro')}</p>
<div class="totp-qr">${unsafeRaw(p.qrSvg) /* our own generated SVG: see the comment above */}</div>
<p>${tf(l, 'secretLabel')}:<br><code id="totp-secret" data-secret="${p.secret}">${p.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
<p>${tf(l, 'setupConfirm')}</p>
${formProblems(p.alert, p.errors)}
<form method="post" action="/account/2fa/setup" novalidate>
  ${passwordField(l, p.errors)}
  ${codeField(l, p.errors, false)}
  <button type="submit" class="btn-primary">${tf(l, 'setupSubmit')}</button>
</form>
</section>`;
}

/** Shown once, right after enrolment; only hashes are kept. */
export function recoveryCodesPage(l: Locale, codes: string[]): SafeHtml {
  return html`<section class="narrow stack">
<h1>${tf(l, 'recoveryTitle')}</h1>
<p class="alert alert-info" role="status">${tf(l, 'recoveryIntro')}</p>
<ol class="recovery-codes" id="recovery-codes">
${codes.map((c) => html`<li><code>${c}</code></li>`)}
</ol>
<p><a class="btn btn-primary" href="/account">${tf(l, 'recoveryContinue')}</a></p>
</section>`;
}
