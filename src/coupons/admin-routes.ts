import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { errorSummary, inputField, selectField } from '../platform/http/form-fields.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { formatDateTime, formatYen } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { c } from './messages.ts';
import { normaliseCouponCode } from './rules.ts';

type Values = Record<string, string>;
const fields = ['code', 'kind', 'value', 'min_order', 'starts_at', 'ends_at', 'usage_limit', 'per_customer_limit'] as const;

const num = (s: string) => {
  const v = s.normalize('NFKC').replace(/[,\s¥円%％]/g, '');
  return v === '' ? null : /^\d{1,9}$/.test(v) ? Number(v) : NaN;
};
/** datetime-local as typed in Japan time. */
const jst = (s: string) => {
  const v = s.normalize('NFKC').trim();
  if (!v) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return 'bad' as const;
  const d = new Date(`${v}:00+09:00`);
  return Number.isNaN(d.getTime()) ? ('bad' as const) : d;
};

export function parseCouponForm(body: unknown, l: 'ja' | 'en') {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const v: Values = Object.fromEntries(fields.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string).slice(0, 100) : '']));
  const errors: FieldErrors = {};
  const code = normaliseCouponCode(v.code!);
  if (!/^[A-Z0-9_-]{3,32}$/.test(code)) errors.code = c(l, 'badCode');
  const kind: 'amount' | 'percent' = v.kind === 'amount' ? 'amount' : 'percent';
  const value = num(v.value!);
  if (value === null || Number.isNaN(value) || value < 1 || (kind === 'percent' && value > 100) || value > 10_000_000) errors.value = c(l, 'badValue');
  const minOrder = num(v.min_order!);
  if (Number.isNaN(minOrder) || (minOrder ?? 0) > 100_000_000) errors.min_order = c(l, 'badYen');
  const startsAt = jst(v.starts_at!);
  if (startsAt === 'bad') errors.starts_at = c(l, 'badDate');
  const endsAt = jst(v.ends_at!);
  if (endsAt === 'bad') errors.ends_at = c(l, 'badDate');
  else if (endsAt && startsAt instanceof Date && endsAt <= startsAt) errors.ends_at = c(l, 'endBeforeStart');
  const usageLimit = num(v.usage_limit!);
  if (Number.isNaN(usageLimit) || usageLimit === 0) errors.usage_limit = c(l, 'badCount');
  const perCustomer = num(v.per_customer_limit!);
  if (Number.isNaN(perCustomer) || perCustomer === 0) errors.per_customer_limit = c(l, 'badCount');
  if (Object.keys(errors).length) return { ok: false as const, errors, values: v };
  return {
    ok: true as const,
    row: { code, kind, value: value!, min_order: minOrder ?? 0, starts_at: startsAt as Date | null, ends_at: endsAt as Date | null, usage_limit: usageLimit, per_customer_limit: perCustomer },
  };
}

/** Issue 16: coupons in the console (catalog.read to see them, catalog.write to create or stop one). */
export const couponAdminRoutes: RouteModule = (app, s) => {
  const read = { config: { permission: 'catalog.read' as const } };
  const write = { config: { permission: 'catalog.write' as const } };

  async function page(req: FastifyRequest, values: Values, errors: FieldErrors | undefined, notice: string | null): Promise<SafeHtml> {
    const l = req.locale;
    const rows = await s.ctx.db.selectFrom('coupon').selectAll().orderBy('id', 'desc').limit(200).execute();
    const writable = !!req.staff && can(req.staff.role, 'catalog.write');
    const f = (name: (typeof fields)[number], label: Parameters<typeof c>[1], extra: Partial<Parameters<typeof inputField>[0]> = {}) => inputField({ name, label: c(l, label), value: values[name], errors, ...extra });
    const body = html`${notice ? html`<p class="alert alert-success" role="status">${notice}</p>` : ''}
<p>${c(l, 'intro')}</p>
${rows.length
  ? html`<div class="table-scroll"><table class="table stack-on-phone" id="coupons"><thead><tr><th scope="col">${c(l, 'col_code')}</th><th scope="col">${c(l, 'col_discount')}</th><th scope="col">${c(l, 'col_conditions')}</th><th scope="col">${c(l, 'col_period')}</th><th scope="col" class="num">${c(l, 'col_used')}</th><th scope="col">${c(l, 'col_status')}</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td data-label="${c(l, 'col_code')}"><code>${r.code}</code></td>
<td data-label="${c(l, 'col_discount')}">${r.kind === 'percent' ? `${r.value}%` : formatYen(r.value, l)}</td>
<td data-label="${c(l, 'col_conditions')}">${r.min_order ? c(l, 'minOrderText', { amount: formatYen(r.min_order, l) }) : ''}${r.per_customer_limit ? html` ${c(l, 'perCustomerText', { n: r.per_customer_limit })}` : ''}</td>
<td data-label="${c(l, 'col_period')}">${r.starts_at ? formatDateTime(r.starts_at, l) : ''} 〜 ${r.ends_at ? formatDateTime(r.ends_at, l) : ''}</td>
<td class="num" data-label="${c(l, 'col_used')}">${r.used_count} / ${r.usage_limit ?? c(l, 'unlimited')}</td>
<td data-label="${c(l, 'col_status')}">${r.active ? c(l, 'active') : c(l, 'inactive')}${r.active && writable ? html` <form method="post" action="/admin/coupons/${r.id}/stop" class="inline"><button type="submit" class="btn-secondary">${c(l, 'stop')}</button></form>` : ''}</td></tr>`)}
</tbody></table></div>`
  : html`<p class="muted">${c(l, 'none')}</p>`}
${writable
  ? html`<section aria-labelledby="new-coupon"><h2 id="new-coupon">${c(l, 'newHeading')}</h2>
${errorSummary(errors, c(l, 'fixErrors'))}
<form method="post" action="/admin/coupons" novalidate>
<div class="form-row">${f('code', 'code', { required: true, maxlength: 32 })}${selectField({ name: 'kind', label: c(l, 'kind'), value: values.kind || 'percent', errors, options: [{ value: 'percent', label: c(l, 'kind_percent') }, { value: 'amount', label: c(l, 'kind_amount') }] })}${f('value', 'value', { required: true, inputmode: 'numeric' })}</div>
<div class="form-row">${f('min_order', 'minOrder', { inputmode: 'numeric' })}${f('usage_limit', 'usageLimit', { inputmode: 'numeric' })}${f('per_customer_limit', 'perCustomer', { inputmode: 'numeric' })}</div>
<div class="form-row">${f('starts_at', 'startsAt', { hint: '2026-12-01T00:00' })}${f('ends_at', 'endsAt', { hint: '2026-12-31T23:59' })}</div>
<button type="submit" class="btn-primary">${c(l, 'create')}</button>
</form></section>`
  : ''}`;
    return adminPage(req, { title: c(l, 'title'), body, section: '/admin/coupons' });
  }

  app.get('/coupons', read, async (req, reply) => {
    const q = req.query as { created?: string; stopped?: string };
    return sendHtml(reply, await page(req, {}, undefined, q.created === '1' ? c(req.locale, 'created') : q.stopped === '1' ? c(req.locale, 'stopped') : null));
  });

  app.post('/coupons', write, async (req, reply) => {
    const parsed = parseCouponForm(req.body, req.locale);
    if (!parsed.ok) return sendHtml(reply, await page(req, parsed.values, parsed.errors, null), 422);
    const inserted = await s.ctx.db.insertInto('coupon').values(parsed.row).onConflict((oc) => oc.column('code').doNothing()).returning('id').executeTakeFirst();
    if (!inserted) return sendHtml(reply, await page(req, req.body as Values, { code: c(req.locale, 'codeTaken') }, null), 422);
    return redirectAfterPost(reply, '/admin/coupons?created=1');
  });

  app.post<{ Params: { id: string } }>('/coupons/:id/stop', write, async (req, reply) => {
    const id = /^\d{1,9}$/.test(req.params.id) ? Number(req.params.id) : 0;
    await s.ctx.db.updateTable('coupon').set({ active: false }).where('id', '=', id).execute();
    return redirectAfterPost(reply, '/admin/coupons?stopped=1');
  });
};
