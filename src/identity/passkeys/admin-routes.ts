import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../../admin/layout.ts';
import { recordStaffAction, recordStaffSignIn } from '../../audit/record.ts';
import { AppError } from '../../platform/http/errors.ts';
import { formValues } from '../../platform/http/form-fields.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import { recordRequestEvent } from '../../platform/security/event-stream.ts';
import type { RouteModule } from '../../services.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { safeNextPath } from '../sessions/redirects.ts';
import { markStepUp, sessionCookie } from '../sessions/sessions.ts';
import { completeStaffSession } from '../staff/staff-sign-in.ts';
import { beginAuthentication, beginRegistration, finishAuthentication, finishRegistration, listPasskeys, passkeyName, removePasskey, type CeremonyRefusal } from './ceremony.ts';
import { tp } from './messages.ts';
import { notifyPasskeyChanged } from './notify.ts';
import { adminRelyingParty, setStaffPasskeysRequired, staffPasskeyCounts, staffPasskeysRequired } from './policy.ts';
import { passkeyAddForm, passkeyScript, passkeyTable } from './views.ts';

const adminNext = (next: unknown) => safeNextPath(next, '/admin', '/admin');

function passkeyId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

function body(req: FastifyRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

/**
 * Staff passkeys (issue 17, T4): the list, adding and removing one (step-up, audited, mailed), the
 * passkey-only sign-in, passkey step-up and the owner's "passkeys required" switch. The relying party is
 * the console's own origin (ADMIN_URL when it has its own listener), never the storefront's.
 */
export const passkeyAdminRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const cookie = sessionCookie(s.cookies, 'admin');
  const rp = async () => adminRelyingParty(s.ctx.config, (await s.shop.get()).name);
  const client = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });
  const shopNotice = async () => ({ shopName: (await s.shop.get()).name, publicUrl: s.ctx.config.publicUrl });

  const refused = (req: FastifyRequest, reply: FastifyReply, reason: CeremonyRefusal, step: string, account: number | null) => {
    recordRequestEvent(req, { kind: 'auth.passkey.failure', outcome: 'refused', actor: account === null ? null : { kind: 'staff', id: account }, detail: { realm: 'staff', step, reason } });
    return reply.code(reason === 'limit' ? 409 : 401).send({ error: reason, message: tp(req.locale, reason === 'expired' ? 'cancelled' : 'refused') });
  };

  async function render(req: FastifyRequest, reply: FastifyReply, notice: string | null, status = 200) {
    const l = req.locale;
    const me = req.staff!;
    const keys = await listPasskeys(db, { staffId: me.id });
    const required = await staffPasskeysRequired(db);
    const counts = await staffPasskeyCounts(db);
    const policy: SafeHtml | string =
      me.role === 'owner'
        ? html`<section class="passkey-policy">
<h2>${tp(l, 'requiredTitle')}</h2>
<p>${tp(l, 'requiredIntro')}</p>
<p data-passkeys-required="${String(required)}"><strong>${tp(l, required ? 'requiredOn' : 'requiredOff')}</strong> ・ ${tp(l, 'staffWithPasskey', counts)}</p>
<form method="post" action="/admin/passkeys/policy"><input type="hidden" name="required" value="${required ? 'off' : 'on'}"><button type="submit" class="btn-secondary">${tp(l, required ? 'requiredDisable' : 'requiredEnable')}</button></form>
</section>`
        : '';
    const body = html`<p>${tp(l, 'intro')}</p>
${required && !keys.length ? html`<p class="alert alert-error" role="alert">${tp(l, 'requiredBanner')}</p>` : ''}
${notice ? html`<p class="alert alert-success" role="status">${notice}</p>` : ''}
${passkeyTable(l, keys, (id) => `/admin/passkeys/${id}/remove`)}
<p><a class="btn btn-primary" href="/admin/passkeys/new">${tp(l, 'addLink')}</a></p>
${policy}`;
    return sendHtml(reply, adminPage(req, { title: tp(l, 'title'), body, section: '/admin/passkeys' }), status);
  }

  app.get('/passkeys', { config: { staff: 'any' } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const name = typeof q.name === 'string' ? q.name.slice(0, 60) : '';
    const notice = q.done === 'added' ? tp(req.locale, 'added', { name }) : q.done === 'removed' ? tp(req.locale, 'removed', { name }) : null;
    return render(req, reply, notice);
  });

  // T4: adding a passkey is adding a way in: a step-up first (a stolen session alone cannot add one).
  app.get('/passkeys/new', { config: { staff: 'any', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const form = passkeyAddForm(l, { optionsUrl: '/admin/passkeys/register/options', verifyUrl: '/admin/passkeys/register/verify', fallbackAction: '/admin/passkeys/new', alert: null });
    return sendHtml(reply, adminPage(req, { title: tp(l, 'addTitle'), body: html`${form}<p><a href="/admin/passkeys">${tp(l, 'title')}</a></p>`, section: '/admin/passkeys', scripts: [passkeyScript] }));
  });

  // Without JavaScript the form lands here: say plainly that a passkey needs it (the password + code path stays).
  app.post('/passkeys/new', { config: { staff: 'any', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const form = passkeyAddForm(l, { optionsUrl: '/admin/passkeys/register/options', verifyUrl: '/admin/passkeys/register/verify', fallbackAction: '/admin/passkeys/new', alert: tp(l, 'needsScript') });
    return sendHtml(reply, adminPage(req, { title: tp(l, 'addTitle'), body: form, section: '/admin/passkeys', scripts: [passkeyScript] }), 422);
  });

  app.post('/passkeys/register/options', { config: { staff: 'any', stepUp: true } }, async (req) => {
    const me = req.staff!;
    return beginRegistration(db, await rp(), { staffId: me.id }, { name: me.email, displayName: me.name });
  });

  app.post('/passkeys/register/verify', { config: { staff: 'any', stepUp: true } }, async (req, reply) => {
    const me = req.staff!;
    const input = body(req);
    const name = passkeyName(input.name);
    if (!name) return reply.code(422).send({ error: 'validation', fields: { name: tp(req.locale, 'nameInvalid') }, message: tp(req.locale, 'nameInvalid') });
    const result = await finishRegistration(db, await rp(), { staffId: me.id }, input.ceremony, input.response, name);
    if (!result.ok) return refused(req, reply, result.reason, 'register', me.id);
    await db.transaction().execute(async (trx) => {
      await recordStaffAction(trx, { staff: me, action: 'passkey.add', object: { type: 'passkey', id: result.passkeyId }, req });
      await trx.insertInto('staff_security_event').values({ actor_staff_id: me.id, target_staff_id: me.id, action: 'passkey_added' }).execute();
      await notifyPasskeyChanged(trx, { staffId: me.id }, 'added', name, client(req), await shopNotice());
    });
    recordRequestEvent(req, { kind: 'auth.passkey.added', outcome: 'success', actor: { kind: 'staff', id: me.id }, detail: { realm: 'staff' } });
    return { ok: true, redirect: `/admin/passkeys?done=added&name=${encodeURIComponent(name)}` };
  });

  app.post('/passkeys/:id/remove', { config: { staff: 'any', stepUp: true } }, async (req, reply) => {
    const me = req.staff!;
    const id = passkeyId(req);
    const removed = await db.transaction().execute(async (trx) => {
      const gone = await removePasskey(trx, { staffId: me.id }, id);
      if (!gone) return null;
      await recordStaffAction(trx, { staff: me, action: 'passkey.remove', object: { type: 'passkey', id }, req });
      await trx.insertInto('staff_security_event').values({ actor_staff_id: me.id, target_staff_id: me.id, action: 'passkey_removed' }).execute();
      await notifyPasskeyChanged(trx, { staffId: me.id }, 'removed', gone.name, client(req), await shopNotice());
      return gone;
    });
    if (!removed) throw new AppError('not_found');
    recordRequestEvent(req, { kind: 'auth.passkey.removed', outcome: 'success', actor: { kind: 'staff', id: me.id }, detail: { realm: 'staff' } });
    return redirectAfterPost(reply, `/admin/passkeys?done=removed&name=${encodeURIComponent(removed.name)}`);
  });

  // Owners only (T4: who may weaken the console's sign-in is the shop's owner), after a step-up.
  app.post('/passkeys/policy', { config: { permission: 'staff.manage', stepUp: true } }, async (req, reply) => {
    const me = req.staff!;
    if (me.role !== 'owner') throw new AppError('forbidden');
    const required = formValues(req.body).required === 'on';
    await db.transaction().execute(async (trx) => {
      await setStaffPasskeysRequired(trx, required, me.id);
      await recordStaffAction(trx, { staff: me, action: 'passkey.policy', object: { type: 'passkey_policy' }, detail: { required }, req });
    });
    recordRequestEvent(req, { kind: 'settings.changed', outcome: 'done', actor: { kind: 'staff', id: me.id }, detail: { setting: 'staff_passkeys_required', value: required } });
    return redirectAfterPost(reply, '/admin/passkeys');
  });

  // Sign-in with a passkey alone: discoverable, user-verified (possession + PIN or biometrics = both factors).
  app.post('/passkeys/sign-in/options', { config: { public: true } }, async () => beginAuthentication(db, await rp(), 'authenticate', null));

  app.post('/passkeys/sign-in/verify', { config: { public: true } }, async (req, reply) => {
    const input = body(req);
    const result = await finishAuthentication(db, await rp(), 'authenticate', input.ceremony, input.response, null);
    if (!result.ok) {
      await recordStaffSignIn(db, { ok: false, reason: `passkey_${result.reason}`, req });
      return refused(req, reply, result.reason, 'sign_in', null);
    }
    const staffId = 'staffId' in result.owner ? result.owner.staffId : 0;
    const staff = await db.selectFrom('staff').select(['id', 'role', 'active']).where('id', '=', staffId).executeTakeFirst();
    if (!staff?.active) {
      await recordStaffSignIn(db, { ok: false, reason: 'inactive', req });
      return refused(req, reply, 'unknown_credential', 'sign_in', staffId);
    }
    const previous = req.cookies[cookie.name];
    const token = await completeStaffSession(db, req, staff.id, previous ? hashToken(previous) : '');
    reply.setCookie(cookie.name, token, cookie.options);
    await recordStaffSignIn(db, { ok: true, staff, step: 'second_factor', req });
    recordRequestEvent(req, { kind: 'auth.sign_in.success', outcome: 'success', actor: { kind: 'staff', id: staff.id }, detail: { realm: 'staff', step: 'passkey' } });
    return { ok: true, redirect: adminNext(input.next) };
  });

  app.post('/passkeys/step-up/options', { config: { staff: 'any' } }, async (req) => beginAuthentication(db, await rp(), 'step_up', { staffId: req.staff!.id }));

  app.post('/passkeys/step-up/verify', { config: { staff: 'any' } }, async (req, reply) => {
    const me = req.staff!;
    const input = body(req);
    const result = await finishAuthentication(db, await rp(), 'step_up', input.ceremony, input.response, { staffId: me.id });
    if (!result.ok) {
      recordRequestEvent(req, { kind: 'auth.step_up.failure', outcome: 'failure', actor: { kind: 'staff', id: me.id }, detail: { realm: 'staff', step: 'passkey' } });
      return refused(req, reply, result.reason, 'step_up', me.id);
    }
    await markStepUp(db, req.adminSession!.idHash);
    return { ok: true, redirect: adminNext(input.next) };
  });
};
