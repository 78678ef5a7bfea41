import { html, type SafeHtml } from '../platform/http/html.ts';
import type { FieldErrors } from '../platform/http/forms.ts';

/** One labelled input with its hint and error wired up for screen readers. */
export interface InputSpec {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'tel' | 'search';
  value?: string | undefined;
  autocomplete?: string;
  hint?: string;
  required?: boolean;
  /** e.g. 'optional' shown after the label */
  tag?: string;
  maxlength?: number;
  inputmode?: 'numeric' | 'tel' | 'email';
}

export function inputField(spec: InputSpec, errors: FieldErrors): SafeHtml {
  const id = `f-${spec.name}`;
  const error = errors[spec.name];
  const describedBy = [spec.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  // Passwords are never echoed back into the page.
  const value = spec.type === 'password' ? '' : (spec.value ?? '');
  return html`<div class="field">
  <label for="${id}">${spec.label}${spec.tag ? html` <span class="hint">${spec.tag}</span>` : ''}</label>
  <input id="${id}" name="${spec.name}" type="${spec.type ?? 'text'}" value="${value}"${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}${spec.maxlength ? html` maxlength="${spec.maxlength}"` : ''}${spec.inputmode ? html` inputmode="${spec.inputmode}"` : ''}${spec.required ? html` required` : ''}${error ? html` aria-invalid="true"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
  ${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : ''}
  ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

export interface SelectSpec {
  name: string;
  label: string;
  value?: string | undefined;
  options: Array<{ value: string; label: string }>;
  placeholder?: string;
  required?: boolean;
  autocomplete?: string;
}

export function selectField(spec: SelectSpec, errors: FieldErrors): SafeHtml {
  const id = `f-${spec.name}`;
  const error = errors[spec.name];
  return html`<div class="field">
  <label for="${id}">${spec.label}</label>
  <select id="${id}" name="${spec.name}"${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}${spec.required ? html` required` : ''}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
    ${spec.placeholder !== undefined ? html`<option value="">${spec.placeholder}</option>` : ''}
    ${spec.options.map((o) => html`<option value="${o.value}"${o.value === spec.value ? html` selected` : ''}>${o.label}</option>`)}
  </select>
  ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

/** The summary above a form that failed validation, or a single message (e.g. sign-in failed). */
export function formAlert(message: string | null | undefined): SafeHtml | string {
  return message ? html`<p class="alert alert-error" role="alert">${message}</p>` : '';
}

export function successAlert(message: string | null | undefined): SafeHtml | string {
  return message ? html`<p class="alert alert-success" role="status">${message}</p>` : '';
}

/** Form values as strings for re-rendering (only the fields a form knows). */
export function formValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}
