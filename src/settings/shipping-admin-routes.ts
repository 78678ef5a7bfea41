import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { parcelSizes, switchablePaymentMethods, type ShippingConfig } from './shipping-config.ts';
import { shippingSettingsPage, spareRegions, spareTiers, type ShippingFormValues } from './shipping-admin-page.ts';
import { maxCodRows, maxRegionRows, parseShippingForm } from './shipping-form.ts';

/** The saved configuration as the form's text values (plus empty rows to add to). */
export function formValuesOf(config: ShippingConfig, threshold: number | null): ShippingFormValues {
  const v: ShippingFormValues = { free_shipping_threshold: threshold === null ? '' : String(threshold), time_slots: [...config.time_slots] };
  config.regions.forEach((r, i) => {
    v[`region_${i}_name`] = r.name;
    v[`region_${i}_prefectures`] = r.prefectures.join(' ');
    for (const s of parcelSizes) v[`region_${i}_rate_${s}`] = String(r.rates[`${s}`]);
  });
  v.region_count = String(Math.min(maxRegionRows, config.regions.length + spareRegions));
  config.cod_tiers.forEach((c, i) => {
    v[`cod_${i}_up_to`] = String(c.up_to);
    v[`cod_${i}_fee`] = String(c.fee);
  });
  v.cod_count = String(Math.min(maxCodRows, config.cod_tiers.length + spareTiers));
  v.methods_on = switchablePaymentMethods.filter((m) => !config.payment_methods_off.includes(m));
  return v;
}

/** What was typed, to show again next to its messages (only strings and string lists; nothing else is kept). */
function typedValues(body: unknown): ShippingFormValues {
  const out: ShippingFormValues = {};
  for (const [k, v] of Object.entries(body && typeof body === 'object' ? body : {})) {
    if (!/^[a-z0-9_]{1,40}$/.test(k)) continue;
    if (typeof v === 'string') out[k] = v.slice(0, 2000);
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string').slice(0, 20);
  }
  for (const k of ['time_slots', 'methods_on']) if (!(k in out)) out[k] = [];
  return out;
}

/** 送料・配送設定 (issue 16): who may change shop settings may change these; a change needs a fresh step-up. */
export const shippingSettingsAdminRoutes: RouteModule = (app, s) => {
  app.get('/settings/shipping', { config: { permission: 'settings.manage' } }, async (req, reply) => {
    const shop = await s.shop.get();
    const saved = (req.query as { saved?: string }).saved === '1';
    return sendHtml(reply, shippingSettingsPage(req, formValuesOf(shop.shipping, shop.free_shipping_threshold), undefined, saved));
  });

  app.post('/settings/shipping', { config: { permission: 'settings.manage', stepUp: true } }, async (req, reply) => {
    const current = await s.shop.get();
    const parsed = parseShippingForm(req.body, req.locale, current.hosted_methods.includes('card'));
    // Refused: nothing is saved; the form comes back as typed with each message next to its field.
    if (!parsed.ok) return sendHtml(reply, shippingSettingsPage(req, typedValues(req.body), parsed.errors, false), 422);
    await s.ctx.db.transaction().execute((trx) => s.shop.save(trx, { ...current, shipping: parsed.config, free_shipping_threshold: parsed.threshold }));
    return redirectAfterPost(reply, '/admin/settings/shipping?saved=1');
  });
};
