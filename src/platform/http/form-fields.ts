import { html, type SafeHtml } from './html.ts';
import type { FieldErrors } from './forms.ts';

/** Accessible form controls: label, hint and error are tied to the control with aria attributes. */
export interface FieldOptions {
  name: string;
  label: string;
  value?: string | number | null;
  errors?: FieldErrors;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
}

function describedBy(name: string, hint: string | undefined, error: string | undefined): string | undefined {
  const ids = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function messages(name: string, hint: string | undefined, error: string | undefined): SafeHtml {
  return html`${hint ? html`<p class="hint" id="${name}-hint">${hint}</p>` : ''}${error ? html`<p class="field-error" id="${name}-error">${error}</p>` : ''}`;
}

export function inputField(o: FieldOptions & { type?: 'text' | 'email' | 'tel' | 'password' | 'number' | 'search'; inputmode?: string; maxlength?: number }): SafeHtml {
  const error = o.errors?.[o.name];
  const by = describedBy(o.name, o.hint, error);
  return html`<div class="field">
<label for="${o.name}">${o.label}</label>
<input id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.type === 'password' ? '' : (o.value ?? '')}"${o.required ? html` required` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${error ? html` aria-invalid="true"` : ''}${by ? html` aria-describedby="${by}"` : ''}>
${messages(o.name, o.hint, error)}
</div>`;
}

export function textareaField(o: FieldOptions & { rows?: number; maxlength?: number }): SafeHtml {
  const error = o.errors?.[o.name];
  const by = describedBy(o.name, o.hint, error);
  return html`<div class="field">
<label for="${o.name}">${o.label}</label>
<textarea id="${o.name}" name="${o.name}" rows="${o.rows ?? 4}"${o.required ? html` required` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${error ? html` aria-invalid="true"` : ''}${by ? html` aria-describedby="${by}"` : ''}>${o.value ?? ''}</textarea>
${messages(o.name, o.hint, error)}
</div>`;
}

export function selectField(o: FieldOptions & { options: Array<{ value: string; label: string }>; placeholder?: string }): SafeHtml {
  const error = o.errors?.[o.name];
  const by = describedBy(o.name, o.hint, error);
  const current = o.value === null || o.value === undefined ? '' : String(o.value);
  return html`<div class="field">
<label for="${o.name}">${o.label}</label>
<select id="${o.name}" name="${o.name}"${o.required ? html` required` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${error ? html` aria-invalid="true"` : ''}${by ? html` aria-describedby="${by}"` : ''}>
${o.placeholder !== undefined ? html`<option value="">${o.placeholder}</option>` : ''}
${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === current ? html` selected` : ''}>${opt.label}</option>`)}
</select>
${messages(o.name, o.hint, error)}
</div>`;
}

/** A summary at the top of a rejected form, announced to screen readers. */
export function errorSummary(errors: FieldErrors | undefined, message: string): SafeHtml {
  if (!errors || !Object.keys(errors).length) return html``;
  return html`<div class="alert alert-error" role="alert"><p>${message}</p><ul>${Object.entries(errors).map(([name, msg]) => html`<li><a href="#${name}">${msg}</a></li>`)}</ul></div>`;
}

/** The confirmation above a page after a successful action, announced to screen readers (nothing without a message). */
export function successAlert(message: string | null | undefined): SafeHtml {
  return message ? html`<p class="alert alert-success" role="status">${message}</p>` : html``;
}

/** The submitted form's string values, for re-rendering it (passwords are never echoed by the fields). */
export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}
