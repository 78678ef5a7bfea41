import { addressToFill } from '../jp/postal-codes.ts';
import { defineMessages, type Locale } from '../i18n/index.ts';
import { html, type SafeHtml } from './html.ts';

const t = defineMessages({
  ja: {
    button: '郵便番号から住所を入力',
    filled: '住所を入力しました。番地・建物名をご入力ください。',
    notFound: 'この郵便番号の住所が見つかりませんでした。住所を直接ご入力ください。',
  },
  en: {
    button: 'Fill in the address from the postal code',
    filled: 'The address was filled in. Please add the street number and building.',
    notFound: 'No address was found for this postal code. Please type the address.',
  },
});

/** The name of the submit button that asks for the address instead of sending the form. */
export const postalLookupField = 'postal_lookup';

/**
 * The button under a postal code field. Without script it submits the form to `formaction`, which shows the
 * form again filled in (nothing is saved); static/js/postal-code.js fills the fields in place instead. Pressing
 * Enter in a field "clicks" the form's first submit button, this one: the script sends the form with its own
 * submit button instead (without script, Enter shows the form filled in, and nothing is lost).
 */
export function postalLookupButton(l: Locale, formaction: string, status?: { ok: boolean } | null): SafeHtml {
  const message = status ? t(l, status.ok ? 'filled' : 'notFound') : '';
  return html`<div class="postal-lookup field">
<button type="submit" class="btn-secondary" name="${postalLookupField}" value="1" formaction="${formaction}" formnovalidate data-postal-lookup data-found="${t(l, 'filled')}" data-not-found="${t(l, 'notFound')}">${t(l, 'button')}</button>
<p class="hint" role="status" data-postal-status>${message}</p>
</div>`;
}

/** Whether a submitted form pressed the lookup button. */
export function wantsPostalLookup(body: unknown): boolean {
  return !!body && typeof body === 'object' && (body as Record<string, unknown>)[postalLookupField] === '1';
}

/**
 * Fills prefecture, city and town (into line1, only when empty) from the postal code: the no-script path of
 * the lookup button. Returns whether an address was found.
 */
export function fillFromPostalCode(values: { postal_code?: string; prefecture?: string; city?: string; line1?: string }): boolean {
  const found = addressToFill(values.postal_code ?? '');
  if (!found) return false;
  values.postal_code = found.postalCode;
  values.prefecture = found.prefecture;
  if (found.city) values.city = found.city;
  if (found.town && !(values.line1 ?? '').trim()) values.line1 = found.town;
  return true;
}
