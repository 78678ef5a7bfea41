import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../admin/layout.ts';
import { recordStaffAction } from '../audit/record.ts';
import { validIpOrCidr } from '../platform/http/networks.ts';
import type { Ban } from '../bans/store.ts';
import type { AllowScope, BanScope } from '../bans/tables.ts';
import { maskBanValue, parseScopedValue } from '../bans/values.ts';
import { can } from '../platform/permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import { parseInput, type FieldErrors } from '../platform/http/forms.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import type { RouteModule, Services } from '../services.ts';
import { tb } from './bans-messages.ts';
import { maskSource } from './mask.ts';
import { t } from './messages.ts';

const page = '/admin/security/bans';
const backs = new Set(['/admin/security', page]);

const banSchema = z.object({
  scope: z.enum(['ip', 'network', 'account', 'card', 'session']),
  value: z.string().trim().min(1).max(320),
  minutes: z.coerce.number().int().min(1).max(43_200),
  reason: z.string().trim().min(1).max(200),
});
const allowSchema = z.object({ scope: z.enum(['network', 'account', 'card', 'session']).default('network'), cidr: z.string().trim().min(1).max(320), note: z.string().trim().max(100).default('') });
const formScopes = ['ip', 'network', 'account', 'card', 'session'] as const;

/** T3: addresses masked for roles without unmasked access; account, card and session values always shown as a prefix. */
const shownValue = (scope: BanScope, value: string, unmasked: boolean) => (scope === 'ip' || scope === 'network' ? maskSource(value, unmasked) : maskBanValue(scope, value));

/** The active bans with a lift button each (by reference: the form never carries an address a masked role may not see). */
export function banTable(l: Locale, bans: Ban[], unmasked: boolean, back = '/admin/security'): SafeHtml {
  if (!bans.length) return html`<p>${t(l, 'bansNone')}</p>`;
  return html`<div class="table-scroll"><table class="table bans"><thead><tr><th scope="col">${tb(l, 'scope')}</th><th scope="col">${t(l, 'network')}</th><th scope="col">${t(l, 'reason')}</th><th scope="col">${t(l, 'until')}</th><th scope="col">${t(l, 'ref')}</th><th scope="col"></th></tr></thead>
<tbody>${bans.map((b) => html`<tr data-ban="${b.ref}" data-scope="${b.scope}"><td>${tb(l, `scope_${b.scope}`)}</td><td><code>${shownValue(b.scope, b.value, unmasked)}</code></td><td>${b.reason}</td><td>${formatDateTime(b.until, l)}</td><td><code>${b.ref}</code></td>
<td><form method="post" action="${page}/remove"><input type="hidden" name="ref" value="${b.ref}"><input type="hidden" name="back" value="${back}"><button type="submit" class="btn btn-secondary">${t(l, 'unban')}</button></form></td></tr>`)}</tbody></table></div>`;
}

function field(id: string, label: string, control: SafeHtml, error: string | undefined, hint?: string): SafeHtml {
  return html`<div class="field"><label for="${id}">${label}</label>${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}${control}${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}</div>`;
}

const invalid = (id: string, errors: FieldErrors) => (errors[id] ? html` aria-invalid="true" aria-describedby="${id}-error"` : '');

async function renderBans(s: Services, req: FastifyRequest, reply: FastifyReply, form: { values?: Record<string, string>; errors?: FieldErrors; allowValues?: Record<string, string>; allowErrors?: FieldErrors } = {}, status = 200) {
  const l = req.locale;
  const bans = s.bans;
  const [active, allowed] = await Promise.all([bans.store.active(), bans.store.allowList()]);
  const unmasked = can(req.staff!.role, 'customers.read_unmasked');
  const q = req.query as Record<string, string | undefined>;
  const v = form.values ?? {};
  const e = form.errors ?? {};
  const av = form.allowValues ?? {};
  const ae = form.allowErrors ?? {};
  const scope = (formScopes as readonly string[]).includes(v.scope ?? '') ? v.scope! : 'ip';
  const allowScope = ['account', 'card', 'session'].includes(av.scope ?? '') ? av.scope! : 'network';
  const flash = q.added ? tb(l, 'added', { ref: q.added.slice(0, 20) }) : q.notadded ? tb(l, 'notAdded') : q.removed ? tb(l, 'removed') : q.allowed ? tb(l, 'allowed') : q.unallowed ? tb(l, 'unallowed') : null;
  const body = html`${flash ? html`<p class="alert alert-success" role="status">${flash}</p>` : ''}
<p class="lead">${tb(l, 'intro')}</p><p class="muted small">${tb(l, 'stepUpNote')}</p>
<h2>${tb(l, 'active')}</h2>
${banTable(l, active, unmasked, page)}
${bans.crowdsec.enabled ? html`<h2>${tb(l, 'crowdsecTitle')}</h2><p class="muted">${tb(l, 'crowdsecHelp', { n: String(bans.crowdsec.active().length) })}</p>${bans.crowdsec.active().length ? html`<div class="table-scroll"><table class="table crowdsec"><tbody>${bans.crowdsec.active().slice(0, 50).map((b) => html`<tr><td><code>${maskSource(b.value, unmasked)}</code></td><td>${b.reason}</td><td>${formatDateTime(b.until, l)}</td><td><code>${b.ref}</code></td></tr>`)}</tbody></table></div>` : ''}` : ''}
<h2>${tb(l, 'addTitle')}</h2><p class="muted">${tb(l, 'addHelp')}</p>
<form method="post" action="${page}" class="stack" novalidate>
${field('scope', tb(l, 'scope'), html`<select id="scope" name="scope"${invalid('scope', e)}>${formScopes.map((o) => html`<option value="${o}"${scope === o ? html` selected` : ''}>${tb(l, `scope_${o}`)}</option>`)}</select>`, e.scope)}
${field('value', tb(l, 'value'), html`<input id="value" name="value" inputmode="text" autocomplete="off" value="${v.value ?? ''}"${invalid('value', e)}>`, e.value, tb(l, 'valueHint'))}
${field('minutes', tb(l, 'minutes'), html`<input id="minutes" name="minutes" inputmode="numeric" value="${v.minutes ?? String(bans.config.banMinutes)}"${invalid('minutes', e)}>`, e.minutes)}
${field('reason', tb(l, 'reason'), html`<input id="reason" name="reason" maxlength="200" value="${v.reason ?? ''}"${invalid('reason', e)}>`, e.reason, tb(l, 'reasonHint'))}
<button type="submit" class="btn">${tb(l, 'add')}</button></form>
<h2>${tb(l, 'allowTitle')}</h2><p class="muted">${tb(l, 'allowHelp')}</p>
${allowed.length
  ? html`<table class="table allow"><tbody>${allowed.map((a) => html`<tr><td>${tb(l, a.scope === 'network' ? 'scope_network' : `scope_${a.scope}`)}</td><td><code>${a.scope === 'network' ? a.cidr : maskBanValue(a.scope, a.cidr)}</code></td><td>${a.note}</td><td><form method="post" action="${page}/unallow"><input type="hidden" name="scope" value="${a.scope}"><input type="hidden" name="cidr" value="${a.cidr}"><button type="submit" class="btn btn-secondary">${tb(l, 'unallow')}</button></form></td></tr>`)}</tbody></table>`
  : html`<p>${tb(l, 'allowNone')}</p>`}
<form method="post" action="${page}/allow" class="stack" novalidate>
${field('allow-scope', tb(l, 'scope'), html`<select id="allow-scope" name="scope">${(['network', 'account', 'card', 'session'] as const).map((o) => html`<option value="${o}"${allowScope === o ? html` selected` : ''}>${tb(l, `scope_${o}`)}</option>`)}</select>`, undefined)}
${field('cidr', tb(l, 'cidr'), html`<input id="cidr" name="cidr" autocomplete="off" value="${av.cidr ?? ''}"${invalid('cidr', ae)}>`, ae.cidr, tb(l, 'cidrHint'))}
${field('note', tb(l, 'note'), html`<input id="note" name="note" maxlength="100" value="${av.note ?? ''}"${invalid('note', ae)}>`, ae.note)}
<button type="submit" class="btn">${tb(l, 'allow')}</button></form>`;
  return sendHtml(reply, adminPage(req, { title: tb(l, 'title'), section: '/admin/security', body }), status);
}

const strings = (body: unknown) => Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : '']));

/** Issue 12: ban, lift and allow-list from the console; each needs a fresh step-up (T4) and is audited. */
export const bansAdminRoutes: RouteModule = (app, s) => {
  app.get('/security/bans', { config: { permission: 'security.read' } }, async (req, reply) => renderBans(s, req, reply));

  app.post('/security/bans', { config: { permission: 'security.read', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const values = strings(req.body);
    const parsed = parseInput(banSchema, values, l);
    if (!parsed.ok) return renderBans(s, req, reply, { values, errors: parsed.errors }, 422);
    const { scope, minutes, reason } = parsed.data;
    const bans = s.bans;
    const target = parseScopedValue(scope, scope === 'ip' ? parsed.data.value.split('/')[0]! : parsed.data.value, bans.accountValue);
    if (!target) return renderBans(s, req, reply, { values, errors: { value: tb(l, `bad_${scope}`) } }, 422);
    const value = target.value;
    if (bans.allowedValue(scope, value)) return renderBans(s, req, reply, { values, errors: { value: tb(l, 'allowedIp') } }, 422);
    const staff = req.staff!;
    const ban = await bans.ban({ scope, value, reason, minutes, createdBy: `staff:${staff.id}` });
    if (!ban) return redirectAfterPost(reply, `${page}?notadded=1`);
    await s.ctx.db.transaction().execute((trx) => recordStaffAction(trx, { staff, action: 'ban.add', object: { type: 'ban', id: ban.ref }, detail: { scope, minutes }, req }));
    return redirectAfterPost(reply, `${page}?added=${ban.ref}`);
  });

  app.post('/security/bans/remove', { config: { permission: 'security.read', stepUp: true } }, async (req, reply) => {
    const { ref = '', back = '' } = strings(req.body);
    const bans = s.bans;
    const ban = /^[0-9A-F]{4,20}$/.test(ref) ? (await bans.store.active()).find((b) => b.ref === ref) : undefined;
    if (!ban) throw new AppError('not_found', { message: tb(req.locale, 'notFound') });
    const staff = req.staff!;
    await bans.unban(ban.scope, ban.value, `staff:${staff.id}`);
    await s.ctx.db.transaction().execute((trx) => recordStaffAction(trx, { staff, action: 'ban.remove', object: { type: 'ban', id: ban.ref }, detail: { scope: ban.scope }, req }));
    return redirectAfterPost(reply, `${backs.has(back) ? back : page}?removed=1`);
  });

  app.post('/security/bans/allow', { config: { permission: 'security.read', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const values = strings(req.body);
    const parsed = parseInput(allowSchema, values, l);
    if (!parsed.ok) return renderBans(s, req, reply, { allowValues: values, allowErrors: parsed.errors }, 422);
    const bans = s.bans;
    const allowScope: AllowScope = parsed.data.scope;
    const entry = allowScope === 'network' ? (validIpOrCidr(parsed.data.cidr) ? parsed.data.cidr : null) : (parseScopedValue(allowScope, parsed.data.cidr, bans.accountValue)?.value ?? null);
    if (!entry) return renderBans(s, req, reply, { allowValues: values, allowErrors: { cidr: tb(l, allowScope === 'network' ? 'badCidr' : `bad_${allowScope}`) } }, 422);
    await bans.store.allow(entry, parsed.data.note, allowScope);
    await bans.refresh();
    const staff = req.staff!;
    await s.ctx.db.transaction().execute((trx) => recordStaffAction(trx, { staff, action: 'ban.allow', object: { type: 'allowlist' }, detail: { scope: allowScope, value: allowScope === 'network' ? entry : maskBanValue(allowScope, entry) }, req }));
    return redirectAfterPost(reply, `${page}?allowed=1`);
  });

  app.post('/security/bans/unallow', { config: { permission: 'security.read', stepUp: true } }, async (req, reply) => {
    const { cidr = '', scope = 'network' } = strings(req.body);
    const allowScope = (['network', 'account', 'card', 'session'] as const).find((x) => x === scope);
    if (!allowScope || (allowScope === 'network' && !validIpOrCidr(cidr)) || cidr.length > 320) throw new AppError('not_found');
    const bans = s.bans;
    const n = await bans.store.unallow(cidr, allowScope);
    if (!n) throw new AppError('not_found');
    await bans.refresh();
    const staff = req.staff!;
    await s.ctx.db.transaction().execute((trx) => recordStaffAction(trx, { staff, action: 'ban.unallow', object: { type: 'allowlist' }, detail: { scope: allowScope, value: allowScope === 'network' ? cidr : maskBanValue(allowScope, cidr) }, req }));
    return redirectAfterPost(reply, `${page}?unallowed=1`);
  });
};
