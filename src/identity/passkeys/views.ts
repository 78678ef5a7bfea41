import { formatDateTime, type Locale } from '../../platform/i18n/index.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { PasskeySummary } from './ceremony.ts';
import { passkeyNameMax } from './ceremony.ts';
import { tp } from './messages.ts';

/** The first-party passkey script (static/js/passkeys.js, built from ./browser/passkeys.ts), loaded with SRI. */
export const passkeyScript = 'js/passkeys.js';

/** Where the script writes what went wrong, in the page's language (the texts come from the server). */
export function passkeyErrorBox(l: Locale): SafeHtml {
  return html`<p class="alert alert-error" role="alert" data-passkey-error hidden data-msg-failed="${tp(l, 'failed')}" data-msg-cancelled="${tp(l, 'cancelled')}" data-msg-refused="${tp(l, 'refused')}"></p>`;
}

export function passkeyTable(l: Locale, keys: PasskeySummary[], removeAction: (id: number) => string): SafeHtml {
  if (!keys.length) return html`<p data-passkey-count="0">${tp(l, 'none')}</p>`;
  return html`<table class="table" data-passkey-count="${keys.length}">
<thead><tr><th scope="col">${tp(l, 'colName')}</th><th scope="col">${tp(l, 'colAdded')}</th><th scope="col">${tp(l, 'colLastUsed')}</th><th scope="col"></th></tr></thead>
<tbody>
${keys.map(
  (k) => html`<tr data-passkey-row="${k.id}">
  <td>${k.name}</td>
  <td>${formatDateTime(k.createdAt, l)}</td>
  <td>${k.lastUsedAt ? formatDateTime(k.lastUsedAt, l) : tp(l, 'never')}</td>
  <td><form method="post" action="${removeAction(k.id)}"><button type="submit" class="btn-link">${tp(l, 'remove')}</button></form></td>
</tr>`,
)}
</tbody>
</table>`;
}

/**
 * The "add a passkey" form. Without JavaScript it posts to `fallbackAction`, which answers that passkeys
 * need it; with it, the script runs the ceremony against the two JSON endpoints.
 */
export function passkeyAddForm(l: Locale, p: { optionsUrl: string; verifyUrl: string; fallbackAction: string; alert: string | null }): SafeHtml {
  return html`<section class="passkey-add">
<h2>${tp(l, 'addTitle')}</h2>
<p>${tp(l, 'addIntro')}</p>
${p.alert ? html`<p class="alert alert-error" role="alert">${p.alert}</p>` : ''}
${passkeyErrorBox(l)}
<noscript><p class="alert">${tp(l, 'needsScript')}</p></noscript>
<form method="post" action="${p.fallbackAction}" data-passkey-register data-options="${p.optionsUrl}" data-verify="${p.verifyUrl}" data-msg-name="${tp(l, 'nameInvalid')}">
  <div class="field">
    <label for="passkey-name">${tp(l, 'nameLabel')}</label>
    <input id="passkey-name" name="name" type="text" required maxlength="${passkeyNameMax}" autocomplete="off">
  </div>
  <button type="submit" class="btn-primary">${tp(l, 'addSubmit')}</button>
</form>
</section>`;
}

/** A "sign in / confirm with a passkey" button, hidden until the script finds WebAuthn in the browser. */
export function passkeyButton(l: Locale, p: { label: string; optionsUrl: string; verifyUrl: string; next: string; autofill?: boolean }): SafeHtml {
  return html`<div class="passkey-sign-in" data-passkey-only hidden>
${passkeyErrorBox(l)}
<button type="button" class="btn-secondary" data-passkey-authenticate${p.autofill ? html` data-autofill` : ''} data-options="${p.optionsUrl}" data-verify="${p.verifyUrl}" data-next="${p.next}">${p.label}</button>
<p class="muted">${tp(l, 'or')}</p>
</div>`;
}
