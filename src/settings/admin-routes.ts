import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../admin/layout.ts';
import { errorSummary, inputField, selectField, textareaField } from '../platform/http/form-fields.ts';
import { email, intFromForm, optionalText, text } from '../platform/http/fields.ts';
import { parseInput, type FieldErrors } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { t } from './messages.ts';
import type { ShopSettings } from './settings.ts';

const optionalInt = (min: number, max: number) => z.preprocess((v) => (v === '' || v === undefined ? null : v), intFromForm(min, max).nullable());

const settingsForm = z.object({
  name: text(100),
  tagline_ja: optionalText(200),
  tagline_en: optionalText(200),
  seller: text(200),
  representative: optionalText(100),
  address: text(300),
  phone: text(30),
  email,
  business_hours: optionalText(200),
  invoice_number: z.preprocess(
    (v) => (typeof v === 'string' ? v.normalize('NFKC').trim().toUpperCase() || null : null),
    z.string().regex(/^T\d{13}$/, { error: 'invoice_number' }).nullable(),
  ),
  bank_account: optionalText(500),
  bank_transfer_days: intFromForm(1, 30),
  guest_bank_transfer_hours: intFromForm(6, 720).optional(),
  shipping_days: optionalText(200),
  returns_policy: optionalText(2000),
  terms_of_use: optionalText(20000),
  free_shipping_threshold: optionalInt(0, 10_000_000),
  tax_rounding: z.enum(['floor', 'round', 'ceil']),
  payment_provider: z.enum(['stripe', 'komoju']).optional(),
  // Checkboxes: absent when none is ticked; `hosted_methods_shown` tells an empty choice from a form without the section.
  hosted_methods: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(['card', 'konbini', 'paypay', 'payeasy']))),
  hosted_methods_shown: z.literal('1').optional(),
});

export const shopAdminRoutes: RouteModule = (app, s) => {
  app.get('/settings', { config: { permission: 'settings.manage' } }, async (req, reply) => {
    const saved = (req.query as { saved?: string }).saved === '1';
    return sendHtml(reply, settingsPage(req, await s.shop.get(), undefined, saved, s.payments.providers.configured('komoju')));
  });

  app.post('/settings', { config: { permission: 'settings.manage', stepUp: true } }, async (req, reply) => {
    const parsed = parseInput(settingsForm, req.body, req.locale);
    if (!parsed.ok) {
      const entered = { ...(await s.shop.get()), ...(req.body as Record<string, never>) };
      return sendHtml(reply, settingsPage(req, entered, parsed.errors, false, s.payments.providers.configured('komoju')), 422);
    }
    // A form from before issue 10 has no guest deadline (before issue 11 no provider section): keep the current ones.
    const current = await s.shop.get();
    const { hosted_methods_shown: shown, ...data } = parsed.data;
    const settings = {
      ...data,
      guest_bank_transfer_hours: data.guest_bank_transfer_hours ?? current.guest_bank_transfer_hours,
      payment_provider: data.payment_provider ?? current.payment_provider,
      hosted_methods: shown ? data.hosted_methods : current.hosted_methods,
      // Issue 16: the threshold and the rest of shipping are set on /admin/settings/shipping.
      free_shipping_threshold: hasField(req.body, 'free_shipping_threshold') ? data.free_shipping_threshold : current.free_shipping_threshold,
      shipping: current.shipping,
    };
    await s.ctx.db.transaction().execute((trx) => s.shop.save(trx, settings));
    return redirectAfterPost(reply, '/admin/settings?saved=1');
  });
};

const hasField = (body: unknown, name: string) => typeof body === 'object' && body !== null && name in body;

function settingsPage(req: FastifyRequest, v: ShopSettings, errors: FieldErrors | undefined, saved: boolean, komojuConfigured: boolean) {
  const l = req.locale;
  const f = (name: keyof ShopSettings & string, extra: Partial<Parameters<typeof inputField>[0]> = {}) =>
    inputField({ name, label: t(l, `f_${name}` as Parameters<typeof t>[1]), value: v[name] as string | number | null, errors, ...extra });
  const area = (name: keyof ShopSettings & string) => textareaField({ name, label: t(l, `f_${name}` as Parameters<typeof t>[1]), value: v[name] as string, errors });
  const body = html`${saved ? html`<p class="alert alert-success" role="status">${t(l, 'saved')}</p>` : ''}
${errorSummary(errors, t(l, 'fixErrors'))}
<form method="post" action="/admin/settings" novalidate>
<fieldset><legend>${t(l, 'sectionShop')}</legend>${f('name', { required: true })}${f('tagline_ja')}${f('tagline_en')}</fieldset>
<fieldset><legend>${t(l, 'sectionLegal')}</legend>
${f('seller', { required: true })}${f('representative')}${f('address', { required: true })}
<div class="form-row">${f('phone', { type: 'tel', required: true })}${f('email', { type: 'email', required: true })}</div>
${f('business_hours')}${f('invoice_number')}${area('returns_policy')}${area('terms_of_use')}
</fieldset>
<fieldset><legend>${t(l, 'sectionPayment')}</legend>
${area('bank_account')}
<div class="form-row">${f('bank_transfer_days', { type: 'number' })}${f('guest_bank_transfer_hours', { type: 'number' })}</div>
<p><a href="/admin/settings/shipping">${t(l, 'shippingSettingsLink')}</a></p>
${f('shipping_days')}
${selectField({ name: 'tax_rounding', label: t(l, 'f_tax_rounding'), value: v.tax_rounding, errors, options: (['floor', 'round', 'ceil'] as const).map((r) => ({ value: r, label: t(l, `rounding_${r}`) })) })}
</fieldset>
<fieldset><legend>${t(l, 'sectionProvider')}</legend>
<p class="small muted">${t(l, 'providerHelp')}</p>
${selectField({ name: 'payment_provider', label: t(l, 'f_payment_provider'), value: v.payment_provider, errors, options: (['stripe', 'komoju'] as const).map((p) => ({ value: p, label: t(l, `provider_${p}`) })) })}
${v.payment_provider === 'komoju' && !komojuConfigured ? html`<p class="alert alert-warning" role="status">${t(l, 'providerNotConfigured')}</p>` : ''}
<fieldset class="stack"><legend>${t(l, 'f_hosted_methods')}</legend><input type="hidden" name="hosted_methods_shown" value="1">
${(['card', 'konbini', 'paypay', 'payeasy'] as const).map((m) => html`<label><input type="checkbox" name="hosted_methods" value="${m}"${(Array.isArray(v.hosted_methods) ? v.hosted_methods : [v.hosted_methods]).includes(m) ? html` checked` : ''}> ${t(l, `method_${m}`)}</label>`)}
</fieldset>
</fieldset>
<button type="submit" class="btn-primary">${t(l, 'save')}</button>
</form>`;
  return adminPage(req, { title: t(l, 'settingsTitle'), body, section: '/admin/settings' });
}
