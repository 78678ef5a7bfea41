import { formatPhone } from '../../platform/privacy/masking.ts';
import type { FastifyRequest } from 'fastify';
import { purchaseSteps } from '../../cart/steps.ts';
import { paymentMethod } from '../../orders/payment-methods/registry.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { findPrefecture } from '../../platform/jp/prefectures.ts';
import { shippingMethod } from '../../shipping/registry.ts';
import { timeSlotLabel } from '../../settings/time-slots.ts';
import { storePage, type StoreChrome } from '../../storefront/layout.ts';
import { inputValues, type FormValues } from '../form.ts';
import { t } from '../messages.ts';
import type { Quote } from '../service.ts';
import { quoteSummary } from './parts.ts';

export interface ReviewState {
  quote: Quote;
  /** fresh for every rendering of this page: one key, one order */
  idempotencyKey: string;
  notice?: 'priceChanged' | 'resubmit';
}

export function reviewPage(req: FastifyRequest, chrome: StoreChrome, s: ReviewState): SafeHtml {
  const l = req.locale;
  const { quote: q } = s;
  const a = q.input.shipping;
  const values = inputValues(q.input);
  const body = html`${purchaseSteps(l, 'review')}
<h1>${t(l, 'reviewTitle')}</h1>
${s.notice ? html`<p class="alert alert-info" role="alert">${t(l, s.notice)}</p>` : ''}
<div class="two-col">
<div class="stack checkout-main">
${quoteSummary(l, q)}
</div>
<div class="stack">
<section class="summary" aria-labelledby="review-address">
<h2 id="review-address">${t(l, 'shippingAddress')}</h2>
<p>${a.name}${a.name_kana ? html`（${a.name_kana}）` : ''}<br>〒${a.postal_code}<br>${prefectureName(a.prefecture, l)}${a.city}${a.line1}${a.line2 ? html`<br>${a.line2}` : ''}<br>${t(l, 'phone')}: ${formatPhone(a.phone)}</p>
<p>${t(l, 'email')}: ${q.input.email}</p>
</section>
<section class="summary" aria-labelledby="review-methods">
<h2 id="review-methods">${t(l, 'shippingMethod')} / ${t(l, 'paymentMethod')}</h2>
<p>${t(l, 'shippingMethod')}: ${shippingMethod(q.input.shippingMethod)?.label(l) ?? q.input.shippingMethod}<br>
${q.input.deliverySlot ? html`${t(l, 'deliverySlot')}: ${timeSlotLabel(q.input.deliverySlot, l)}<br>` : ''}
${t(l, 'paymentMethod')}: ${paymentMethod(q.input.paymentMethod)?.label(l) ?? q.input.paymentMethod}</p>
${q.input.note ? html`<p>${t(l, 'note')}:<br>${q.input.note}</p>` : ''}
</section>
<form method="post" action="/checkout/place" class="stack">
${hiddenFields(values)}
<input type="hidden" name="idempotency_key" value="${s.idempotencyKey}">
<input type="hidden" name="expected_total" value="${q.total}">
<p class="small">${t(l, 'placeHint')}</p>
<button type="submit" class="btn-primary">${t(l, 'placeOrder')}</button>
</form>
<form method="post" action="/checkout/edit">
${hiddenFields(values)}
<button type="submit" class="btn-secondary">${t(l, 'edit')}</button>
</form>
</div>
</div>`;
  return storePage(req, chrome, { title: t(l, 'reviewTitle'), body });
}

function hiddenFields(values: FormValues): SafeHtml {
  return html`${Object.entries(values).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value ?? ''}">`)}`;
}

function prefectureName(ja: string, l: Locale): string {
  return l === 'ja' ? ja : `${findPrefecture(ja)?.en ?? ja} `;
}
