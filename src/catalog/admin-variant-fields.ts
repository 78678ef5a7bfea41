import type { Locale } from '../platform/i18n/index.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { inputField, type FormState } from './admin-fields.ts';
import { a } from './admin-messages.ts';

/** The fields that name a variant (names, SKU, JAN code), shared by the add and edit forms. */
export function variantIdentityFields(l: Locale, form: FormState): SafeHtml {
  const f = { form, prefix: 'variant' };
  return html`<div class="form-row">
    ${inputField({ ...f, name: 'name_ja', label: a(l, 'variantNameJa'), required: true, maxlength: 100 })}
    ${inputField({ ...f, name: 'name_en', label: a(l, 'variantNameEn'), required: true, maxlength: 100 })}
  </div>
  <div class="form-row">
    ${inputField({ ...f, name: 'sku', label: a(l, 'sku'), required: true, maxlength: 64 })}
    ${inputField({ ...f, name: 'jan_code', label: a(l, 'jan'), hint: a(l, 'janHint'), inputmode: 'numeric', maxlength: 20 })}
  </div>`;
}
