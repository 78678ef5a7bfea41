import { errorSummary } from '../platform/http/form-fields.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';

/**
 * What goes above a form: the linked list of field errors after validation, or a single message
 * (e.g. a failed sign-in, which must not say which field was wrong).
 */
export function formProblems(message: string | null, errors: FieldErrors): SafeHtml | string {
  if (message && Object.keys(errors).length) return errorSummary(errors, message);
  return message ? html`<p class="alert alert-error" role="alert">${message}</p>` : '';
}

export function optionalLabel(l: Locale, label: string): string {
  return `${label} ${t(l, 'optional')}`;
}
