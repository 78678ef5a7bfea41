import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { errorSummary, inputField } from '../platform/http/form-fields.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { timeSlotLabel } from './time-slots.ts';
import { parcelSizes, switchablePaymentMethods, timeSlotIds } from './shipping-config.ts';
import { st } from './shipping-messages.ts';

/** What the form shows: the saved settings as text, or what was typed when it was refused. */
export type ShippingFormValues = Record<string, string | string[]>;

/** Extra empty rows for adding a region or a fee tier. */
const spareRegions = 1;
const spareTiers = 2;

function cell(name: string, label: string, value: string | string[] | undefined, errors: FieldErrors | undefined, opts: { numeric?: boolean; wide?: boolean } = {}): SafeHtml {
  const error = errors?.[name];
  return html`<input id="${name}" name="${name}" value="${typeof value === 'string' ? value : ''}" aria-label="${label}"${opts.numeric ? html` inputmode="numeric" size="7"` : ''}${opts.wide ? html` size="40"` : ''}${error ? html` aria-invalid="true" aria-describedby="${name}-error"` : ''}>${error ? html`<p class="field-error" id="${name}-error">${error}</p>` : ''}`;
}

function regionRows(l: Locale, v: ShippingFormValues, errors: FieldErrors | undefined, rows: number): SafeHtml {
  return html`${Array.from({ length: rows }, (_, i) => {
    const name = typeof v[`region_${i}_name`] === 'string' ? (v[`region_${i}_name`] as string) : '';
    const rowLabel = name || `#${i + 1}`;
    return html`<tr>
<td data-label="${st(l, 'region')}">${cell(`region_${i}_name`, `${st(l, 'region')} ${i + 1}`, v[`region_${i}_name`], errors)}</td>
<td data-label="${st(l, 'prefecturesCol')}">${cell(`region_${i}_prefectures`, `${rowLabel} ${st(l, 'prefecturesCol')}`, v[`region_${i}_prefectures`], errors, { wide: true })}</td>
${parcelSizes.map((s) => html`<td data-label="${st(l, 'size', { size: s })}">${cell(`region_${i}_rate_${s}`, `${rowLabel} ${st(l, 'size', { size: s })}`, v[`region_${i}_rate_${s}`], errors, { numeric: true })}</td>`)}
</tr>`;
  })}`;
}

export function shippingSettingsPage(req: FastifyRequest, v: ShippingFormValues, errors: FieldErrors | undefined, saved: boolean): SafeHtml {
  const l = req.locale;
  const regions = Number(v.region_count) || 0;
  const tiers = Number(v.cod_count) || 0;
  const checked = (name: string, value: string) => (Array.isArray(v[name]) ? (v[name] as string[]) : [v[name]]).includes(value);
  const body = html`${saved ? html`<p class="alert alert-success" role="status">${st(l, 'saved')}</p>` : ''}
${errorSummary(errors, st(l, 'fixErrors'))}
<form method="post" action="/admin/settings/shipping" novalidate class="shipping-settings">
<input type="hidden" name="region_count" value="${regions}">
<input type="hidden" name="cod_count" value="${tiers}">
<fieldset><legend>${st(l, 'sectionRates')}</legend>
<p class="small muted">${st(l, 'intro')}</p>
${errors?.regions ? html`<p class="field-error" id="regions-error">${errors.regions}</p>` : ''}
<div class="table-scroll"><table class="table stack-on-phone">
<thead><tr><th>${st(l, 'region')}</th><th>${st(l, 'prefecturesCol')}</th>${parcelSizes.map((s) => html`<th>${st(l, 'size', { size: s })}</th>`)}</tr></thead>
<tbody>${regionRows(l, v, errors, regions)}</tbody>
</table></div>
<p class="small muted">${st(l, 'addRegionHint')}</p>
</fieldset>
<fieldset><legend>${st(l, 'sectionFree')}</legend>
${inputField({ name: 'free_shipping_threshold', label: st(l, 'f_free_shipping_threshold'), value: typeof v.free_shipping_threshold === 'string' ? v.free_shipping_threshold : '', errors, inputmode: 'numeric' })}
</fieldset>
<fieldset class="stack"><legend>${st(l, 'sectionSlots')}</legend>
<p class="small muted">${st(l, 'slotsHelp')}</p>
${timeSlotIds.map((id) => html`<label><input type="checkbox" name="time_slots" value="${id}"${checked('time_slots', id) ? html` checked` : ''}> ${timeSlotLabel(id, l)}</label>`)}
${errors?.time_slots ? html`<p class="field-error">${errors.time_slots}</p>` : ''}
</fieldset>
<fieldset><legend>${st(l, 'sectionCod')}</legend>
<p class="small muted">${st(l, 'codHelp')}</p>
<div class="table-scroll"><table class="table stack-on-phone"><thead><tr><th>${st(l, 'upTo')}</th><th>${st(l, 'fee')}</th></tr></thead><tbody>
${Array.from({ length: tiers }, (_, i) => html`<tr><td data-label="${st(l, 'upTo')}">${cell(`cod_${i}_up_to`, `${st(l, 'upTo')} ${i + 1}`, v[`cod_${i}_up_to`], errors, { numeric: true })}</td><td data-label="${st(l, 'fee')}">${cell(`cod_${i}_fee`, `${st(l, 'fee')} ${i + 1}`, v[`cod_${i}_fee`], errors, { numeric: true })}</td></tr>`)}
</tbody></table></div>
</fieldset>
<fieldset class="stack"><legend>${st(l, 'sectionMethods')}</legend>
<p class="small muted">${st(l, 'methodsHelp')}</p>
${switchablePaymentMethods.map((id) => html`<label><input type="checkbox" name="methods_on" value="${id}"${checked('methods_on', id) ? html` checked` : ''}> ${st(l, `method_${id}`)}</label>`)}
${errors?.methods_on ? html`<p class="field-error" id="methods_on-error">${errors.methods_on}</p>` : ''}
</fieldset>
<button type="submit" class="btn-primary">${st(l, 'save')}</button>
</form>`;
  return adminPage(req, { title: st(l, 'title'), body, section: '/admin/settings/shipping' });
}

export { spareRegions, spareTiers };
