import type { Locale } from '../platform/i18n/index.ts';
import { errorMessage } from '../platform/http/errors.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';

/**
 * A form's entered values and its per-field messages, for re-rendering after a failed submission.
 * (Unlike platform/http/form-fields.ts, ids carry a prefix: the product editor holds several forms
 * with the same field names on one page.)
 */
export interface FormState {
  values: Record<string, string>;
  errors: FieldErrors;
}
export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

interface FieldOpts {
  form: FormState;
  /** Makes ids unique when one page holds several forms. */
  prefix: string;
  name: string;
  label: string;
  hint?: string;
  required?: boolean;
}

function describe(o: FieldOpts) {
  const id = `${o.prefix}-${o.name}`;
  const error = o.form.errors[o.name];
  const ids = [error ? `${id}-error` : '', o.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  const attrs = html`${error ? html` aria-invalid="true"` : ''}${ids ? html` aria-describedby="${ids}"` : ''}${o.required ? html` required` : ''}`;
  const after = html`${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}`;
  return { id, attrs, after };
}

export function inputField(o: FieldOpts & { type?: 'text' | 'number' | 'search'; inputmode?: 'numeric' | 'text'; maxlength?: number; autocomplete?: string }): SafeHtml {
  const { id, attrs, after } = describe(o);
  return html`<div class="field"><label for="${id}">${o.label}</label>
<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.form.values[o.name] ?? ''}"${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''} autocomplete="${o.autocomplete ?? 'off'}"${attrs}>${after}</div>`;
}

export function textareaField(o: FieldOpts & { rows?: number; maxlength?: number }): SafeHtml {
  const { id, attrs, after } = describe(o);
  return html`<div class="field"><label for="${id}">${o.label}</label>
<textarea id="${id}" name="${o.name}" rows="${o.rows ?? 5}"${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${attrs}>${o.form.values[o.name] ?? ''}</textarea>${after}</div>`;
}

export function selectField(o: FieldOpts & { options: Array<{ value: string; label: string }> }): SafeHtml {
  const { id, attrs, after } = describe(o);
  const current = o.form.values[o.name] ?? '';
  return html`<div class="field"><label for="${id}">${o.label}</label>
<select id="${id}" name="${o.name}"${attrs}>${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === current ? html` selected` : ''}>${opt.label}</option>`)}</select>${after}</div>`;
}

export function radioGroup(o: FieldOpts & { options: Array<{ value: string; label: string }> }): SafeHtml {
  const { id, attrs, after } = describe(o);
  const current = o.form.values[o.name] ?? '';
  return html`<fieldset id="${id}"${o.form.errors[o.name] ? html` aria-invalid="true"` : ''}><legend>${o.label}</legend>
${o.options.map((opt, i) => html`<label class="choice" for="${id}-${i}"><input id="${id}-${i}" type="radio" name="${o.name}" value="${opt.value}"${opt.value === current ? html` checked` : ''}${attrs}> ${opt.label}</label>`)}${after}</fieldset>`;
}

export function checkboxField(o: FieldOpts): SafeHtml {
  const { id, attrs, after } = describe(o);
  const on = ['on', 'true', '1'].includes(o.form.values[o.name] ?? '');
  return html`<div class="field"><label class="choice" for="${id}"><input id="${id}" type="checkbox" name="${o.name}" value="on"${on ? html` checked` : ''}${attrs}> ${o.label}</label>${after}</div>`;
}

/** The alert above a rejected form: each message links to its field (ids are prefix-name). */
export function errorSummary(l: Locale, form: FormState | undefined, prefix: string): SafeHtml {
  if (!form || !Object.keys(form.errors).length) return html``;
  return html`<div class="alert alert-error" role="alert"><p>${errorMessage('validation', l)}</p><ul>${Object.entries(form.errors).map(([name, msg]) => html`<li><a href="#${prefix}-${name}">${msg}</a></li>`)}</ul></div>`;
}
