import { inputField } from '../../platform/http/form-fields.ts';
import { html, unsafeRaw, type SafeHtml } from '../../platform/http/html.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { t2 } from '../staff/admin-messages.ts';
import { formProblems } from '../form-ui.ts';

const codeField = (l: Locale, errors: Record<string, string>, hint = true) =>
  inputField({ name: 'code', label: t2(l, 'totpCode'), inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 32, ...(hint ? { hint: t2(l, 'totpCodeHint') } : {}), errors });

/** The second step of a staff sign-in. */
export function totpForm(l: Locale, next: string, alert: string | null): SafeHtml {
  const errors: Record<string, string> = alert ? { code: alert } : {};
  return html`<div class="narrow">
<p>${t2(l, 'totpIntro')}</p>
${formProblems(alert, {})}
<form method="post" action="/admin/2fa" novalidate>
  <input type="hidden" name="next" value="${next}">
  ${codeField(l, errors)}
  <button type="submit" class="btn-primary">${t2(l, 'totpSubmit')}</button>
</form>
${signOutOther(l)}
</div>`;
}

function signOutOther(l: Locale): SafeHtml {
  return html`<form method="post" action="/admin/sign-out"><button type="submit" class="btn-link">${t2(l, 'totpStartOver')}</button></form>`;
}

/**
 * Enrolment: the secret as a QR code and as text, and a code to confirm. `qrSvg` is markup we
 * generated ourselves from the otpauth URI (the qrcode library's SVG output: paths only, no user
 * text), so it is trusted; the secret text itself goes through the escaping template.
 */
export function enrolForm(l: Locale, p: { secret: string; qrSvg: string; next: string; alert: string | null }): SafeHtml {
  const errors: Record<string, string> = p.alert ? { code: p.alert } : {};
  return html`<div class="narrow">
<p>${t2(l, 'enrolIntro')}</p>
<div class="totp-qr">${unsafeRaw(p.qrSvg) /* our own generated SVG: see the comment above */}</div>
<p>${t2(l, 'enrolSecretLabel')}:<br><code id="totp-secret" data-secret="${p.secret}">${p.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
<p>${t2(l, 'enrolConfirm')}</p>
${formProblems(p.alert, {})}
<form method="post" action="/admin/2fa/setup" novalidate>
  <input type="hidden" name="next" value="${p.next}">
  ${codeField(l, errors, false)}
  <button type="submit" class="btn-primary">${t2(l, 'enrolSubmit')}</button>
</form>
${signOutOther(l)}
</div>`;
}

/** Shown once, right after enrolment; only hashes are kept. */
export function recoveryCodesPage(l: Locale, codes: string[], next: string): SafeHtml {
  return html`<div class="narrow">
<p>${t2(l, 'recoveryIntro')}</p>
<ol class="recovery-codes" id="recovery-codes">
${codes.map((c) => html`<li><code>${c}</code></li>`)}
</ol>
<p><a class="btn-primary" href="${next}">${t2(l, 'recoveryContinue')}</a></p>
</div>`;
}

export function stepUpForm(l: Locale, p: { next: string; alert: string | null; passwordLabel: string }): SafeHtml {
  return html`<div class="narrow">
<p>${t2(l, 'stepUpIntro')}</p>
${formProblems(p.alert, {})}
<form method="post" action="/admin/step-up" novalidate>
  <input type="hidden" name="next" value="${p.next}">
  ${inputField({ name: 'password', label: p.passwordLabel, type: 'password', autocomplete: 'current-password', required: true })}
  ${inputField({ name: 'code', label: t2(l, 'totpCode'), inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 32 })}
  <button type="submit" class="btn-primary">${t2(l, 'stepUpSubmit')}</button>
</form>
</div>`;
}

export function passwordChangeForm(l: Locale, p: { errors: Record<string, string>; alert: string | null; hint: string }): SafeHtml {
  return html`<div class="narrow">
<p>${t2(l, 'passwordChangeIntro')}</p>
${formProblems(p.alert, p.errors)}
<form method="post" action="/admin/password" novalidate>
  ${inputField({ name: 'current_password', label: t2(l, 'currentPassword'), type: 'password', autocomplete: 'current-password', required: true, errors: p.errors })}
  ${inputField({ name: 'new_password', label: t2(l, 'newPassword'), type: 'password', autocomplete: 'new-password', required: true, hint: p.hint, errors: p.errors })}
  <button type="submit" class="btn-primary">${t2(l, 'passwordChangeSubmit')}</button>
</form>
</div>`;
}
