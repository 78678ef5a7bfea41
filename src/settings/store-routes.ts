import { html } from '../platform/http/html.ts';
import { addressToFill } from '../platform/jp/postal-codes.ts';
import { sendHtml } from '../platform/http/reply.ts';
import { formatYen } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { storePage } from '../storefront/layout.ts';
import { codFeeRange, feeRange } from './shipping-config.ts';
import { t } from './messages.ts';

export const shopStoreRoutes: RouteModule = (app, s) => {
  // 郵便番号 → 住所 for static/js/postal-code.js, from the postal data shipped with the store (no outside call).
  app.get('/postal-code/:code', async (req, reply) => {
    const found = addressToFill((req.params as { code: string }).code);
    reply.header('cache-control', 'public, max-age=86400');
    if (!found) return reply.code(404).type('application/json').send({ error: { code: 'not_found' } });
    return reply.type('application/json').send({ postal_code: found.postalCode, prefecture: found.prefecture, city: found.city, town: found.town });
  });

  app.get('/legal/tokushoho', async (req, reply) => {
    const l = req.locale;
    const shop = await s.shop.get();
    const fees = feeRange(shop.shipping);
    const cod = codFeeRange(shop.shipping);
    const threshold = shop.free_shipping_threshold !== null ? t(l, 'freeShipping', { amount: formatYen(shop.free_shipping_threshold, l) }) : '';
    const rows: Array<[string, string]> = [
      [t(l, 'seller'), shop.seller],
      [t(l, 'representative'), shop.representative || t(l, 'notSet')],
      [t(l, 'address'), shop.address],
      [t(l, 'phone'), shop.phone],
      [t(l, 'email'), shop.email],
      [t(l, 'businessHours'), shop.business_hours || t(l, 'notSet')],
      [t(l, 'invoiceNumber'), shop.invoice_number ?? t(l, 'notSet')],
      [t(l, 'prices'), t(l, 'pricesValue')],
      [t(l, 'extraCharges'), t(l, 'extraChargesValue', { min: fees.min.toLocaleString('ja-JP'), max: fees.max.toLocaleString('ja-JP'), threshold, codMin: cod.min.toLocaleString('ja-JP'), codMax: cod.max.toLocaleString('ja-JP') })],
      [t(l, 'paymentMethods'), t(l, 'paymentMethodsValue')],
      [t(l, 'paymentTiming'), t(l, 'paymentTimingValue', { days: shop.bank_transfer_days, hours: shop.guest_bank_transfer_hours })],
      [t(l, 'deliveryTiming'), shop.shipping_days || t(l, 'notSet')],
      [t(l, 'returns'), shop.returns_policy || t(l, 'notSet')],
    ];
    const body = html`<h1>${t(l, 'tokushohoTitle')}</h1>
<div class="table-scroll"><table class="table legal">
<tbody>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody>
</table></div>`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(l, 'tokushohoTitle'), body }));
  });

  app.get('/legal/terms', async (req, reply) => {
    const l = req.locale;
    const shop = await s.shop.get();
    const body = html`<div class="narrow terms"><h1>${t(l, 'termsTitle')}</h1><div class="terms-text">${shop.terms_of_use || t(l, 'notSet')}</div></div>`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(l, 'termsTitle'), body }));
  });

  app.get('/legal/privacy', async (req, reply) => {
    const l = req.locale;
    const shop = await s.shop.get();
    const body = html`<div class="narrow"><h1>${t(l, 'privacyTitle')}</h1><p>${t(l, 'privacyBody')}</p>
<h2>${t(l, 'privacyContact')}</h2><p>${shop.seller}<br>${shop.address}<br>${shop.phone}<br>${shop.email}</p></div>`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(l, 'privacyTitle'), body }));
  });
};
