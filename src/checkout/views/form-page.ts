import type { FastifyRequest } from 'fastify';
import { purchaseSteps } from '../../cart/steps.ts';
import type { CartView } from '../../cart/service.ts';
import { offeredPaymentMethods } from '../../orders/payment-methods/registry.ts';
import type { Address } from '../../platform/http/fields.ts';
import { errorSummary, inputField, selectField, textareaField } from '../../platform/http/form-fields.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatYen, type Locale } from '../../platform/i18n/index.ts';
import { prefectures } from '../../platform/jp/prefectures.ts';
import { postalLookupButton } from '../../platform/http/postal-lookup.ts';
import { shippingMethods } from '../../shipping/registry.ts';
import { noSlotLabel, timeSlotLabel } from '../../settings/time-slots.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import { storePage, type StoreChrome } from '../../storefront/layout.ts';
import type { FormValues } from '../form.ts';
import { t } from '../messages.ts';
import { cartAside, radioGroup, type RadioOption } from './parts.ts';

export type SavedAddress = Address & { id: number; isDefault: boolean };

export interface CheckoutFormState {
  cart: CartView;
  settings: ShopSettings;
  values: FormValues;
  errors: FieldErrors;
  /** set for a signed-in customer: the e-mail is theirs and cannot be changed here */
  fixedEmail: string | null;
  savedAddresses: SavedAddress[];
  /** T1: methods switched off by an integrity finding, shown as temporarily unavailable (never selectable). */
  methodsOff?: Record<string, { label: string; message: string }>;
  /** the outcome of the "address from postal code" button pressed without script */
  postalLookup?: { ok: boolean } | null;
}

export function checkoutFormPage(req: FastifyRequest, chrome: StoreChrome, s: CheckoutFormState): SafeHtml {
  const l = req.locale;
  const { values: v, errors } = s;
  const body = html`${purchaseSteps(l, 'address')}
<h1>${t(l, 'title')}</h1>
${errorSummary(errors, t(l, 'errorSummary'))}
<div class="two-col">
<form method="post" action="/checkout/review" novalidate>
<fieldset><legend>${t(l, 'contact')}</legend>
${s.fixedEmail !== null
  ? html`<div class="field"><label for="email">${t(l, 'email')}</label><input id="email" name="email" type="email" value="${s.fixedEmail}" readonly aria-describedby="email-hint"><p class="hint" id="email-hint">${t(l, 'emailFixedHint')}</p></div>`
  : inputField({ name: 'email', label: t(l, 'email'), type: 'email', value: v.email, errors, hint: t(l, 'emailHint'), required: true, autocomplete: 'email', maxlength: 254 })}
</fieldset>
<fieldset><legend>${t(l, 'shippingAddress')}</legend>
${s.savedAddresses.length ? savedAddressChoice(l, s) : ''}
<div class="form-row">
${inputField({ name: 'name', label: t(l, 'name'), value: v.name, errors, required: true, autocomplete: 'shipping name', maxlength: 100 })}
${inputField({ name: 'name_kana', label: t(l, 'nameKana'), value: v.name_kana, errors, maxlength: 100 })}
</div>
<div class="form-row">
${inputField({ name: 'postal_code', label: t(l, 'postalCode'), type: 'text', inputmode: 'numeric', value: v.postal_code, errors, hint: t(l, 'postalCodeHint'), required: true, autocomplete: 'shipping postal-code', maxlength: 10 })}
${selectField({ name: 'prefecture', label: t(l, 'prefecture'), value: v.prefecture, errors, required: true, placeholder: t(l, 'choosePrefecture'), autocomplete: 'shipping address-level1', options: prefectures.map((p) => ({ value: p.ja, label: l === 'ja' ? p.ja : p.en })) })}
</div>
${postalLookupButton(l, '/checkout/edit', s.postalLookup)}
${inputField({ name: 'city', label: t(l, 'city'), value: v.city, errors, required: true, autocomplete: 'shipping address-level2', maxlength: 100 })}
${inputField({ name: 'line1', label: t(l, 'line1'), value: v.line1, errors, required: true, autocomplete: 'shipping address-line1', maxlength: 200 })}
${inputField({ name: 'line2', label: t(l, 'line2'), value: v.line2, errors, autocomplete: 'shipping address-line2', maxlength: 200 })}
${inputField({ name: 'phone', label: t(l, 'phone'), type: 'tel', value: v.phone, errors, hint: t(l, 'phoneHint'), required: true, autocomplete: 'shipping tel', maxlength: 20 })}
</fieldset>
${radioGroup({ name: 'shipping_method', legend: t(l, 'shippingMethod'), options: shippingOptions(l, s), value: v.shipping_method ?? shippingMethods[0]!.id, errors })}
${slotChoice(l, s)}
${radioGroup({ name: 'payment_method', legend: t(l, 'paymentMethod'), options: paymentOptions(l, s), value: v.payment_method ?? offeredPaymentMethods(s.settings)[0]!.id, errors })}
${inputField({ name: 'coupon_code', label: t(l, 'couponCode'), value: v.coupon_code, errors, maxlength: 40, autocomplete: 'off' })}
${textareaField({ name: 'note', label: t(l, 'note'), value: v.note, errors, hint: t(l, 'noteHint'), rows: 3, maxlength: 1000 })}
<button type="submit" class="btn-primary">${t(l, 'toReview')}</button>
</form>
${cartAside(l, s.cart)}
</div>`;
  return storePage(req, chrome, { title: t(l, 'title'), body, scripts: ['js/postal-code.js'] });
}

function savedAddressChoice(l: Locale, s: CheckoutFormState): SafeHtml {
  const chosen = s.values.address_id ?? String(s.savedAddresses.find((a) => a.isDefault)?.id ?? 'new');
  const options: RadioOption[] = [
    ...s.savedAddresses.map((a) => ({ value: String(a.id), label: a.name, description: `〒${a.postal_code} ${a.prefecture}${a.city}${a.line1}${a.line2 ? ` ${a.line2}` : ''}` })),
    { value: 'new', label: t(l, 'newAddress'), description: '' },
  ];
  return radioGroup({ name: 'address_id', legend: t(l, 'savedAddresses'), options, value: chosen, errors: s.errors });
}

/** The shipping fee for the prefecture entered so far; the range otherwise (the review shows the exact fee). */
function shippingOptions(l: Locale, s: CheckoutFormState): RadioOption[] {
  return shippingMethods.map((m) => {
    const size = Math.max(60, ...s.cart.lines.map((x) => x.shippingSize ?? 60));
    const fee = s.values.prefecture ? m.fee(s.values.prefecture, s.cart.itemsTotal, s.settings, size) : null;
    return { value: m.id, label: m.label(l), description: m.description(l, s.settings), ...(fee !== null ? { fee: `${t(l, 'shippingFeeLabel')} ${formatYen(fee, l)}` } : {}) };
  });
}

/** Issue 16: the carrier time slots the shop offers (none configured: no choice shown). */
function slotChoice(l: Locale, s: CheckoutFormState): SafeHtml | '' {
  const slots = s.settings.shipping.time_slots;
  if (!slots.length) return '';
  const options = [{ value: '', label: noSlotLabel(l) }, ...slots.map((id) => ({ value: id, label: timeSlotLabel(id, l) }))];
  return selectField({ name: 'delivery_slot', label: t(l, 'deliverySlot'), value: s.values.delivery_slot ?? '', errors: s.errors, hint: t(l, 'deliverySlotHint'), options });
}

/** Fees on the items total: a lower bound of the final amount, so "unavailable" here is final. */
function paymentOptions(l: Locale, s: CheckoutFormState): RadioOption[] {
  return offeredPaymentMethods(s.settings).map((m) => {
    const fee = m.fee(s.cart.itemsTotal, s.settings);
    const off = s.methodsOff?.[m.id];
    if (off) return { value: m.id, label: m.label(l), description: off.message, fee: off.label, disabled: true };
    const feeText = fee === null ? t(l, 'paymentUnavailable') : fee === 0 ? t(l, 'feeFree') : t(l, 'fee', { amount: formatYen(fee, l) });
    return { value: m.id, label: m.label(l), description: m.description(l, s.settings), fee: feeText, disabled: fee === null };
  });
}
