import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../audit/chain.ts';
import { requestMeta } from '../../audit/record.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/http/errors.ts';
import { html } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import { recordRequestEvent } from '../../platform/security/event-stream.ts';
import { LoginThrottledError } from '../../platform/throttle/login-throttle.ts';
import type { RouteModule, Services } from '../../services.ts';
import { storePage } from '../../storefront/layout.ts';
import { t } from '../messages.ts';
import { verifyPassword } from '../passwords.ts';
import { safeNextPath } from '../sessions/redirects.ts';
import { customerAttempt } from '../sessions/sign-in.ts';
import { noticeContext, requireCustomer, signInBrowser } from '../customers/store-pages.ts';
import { beginAuthentication, beginRegistration, finishAuthentication, finishRegistration, listPasskeys, passkeyName, removePasskey, type CeremonyRefusal } from './ceremony.ts';
import { tp } from './messages.ts';
import { notifyPasskeyChanged } from './notify.ts';
import { storeRelyingParty } from './policy.ts';
import { passkeyScript, passkeyTable, passkeyErrorBox } from './views.ts';
import { decryptCustomer } from '../customers/customer-data.ts';

function body(req: FastifyRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

async function customerAudit(db: Db, customerId: number, action: 'passkey.add' | 'passkey.remove', passkeyId: number, req: FastifyRequest) {
  await appendAudit(db, { actor: { type: 'customer', id: customerId }, action, object: { type: 'passkey', id: passkeyId }, result: 'success', ...requestMeta(req) });
}

async function render(s: Services, req: FastifyRequest, reply: FastifyReply, notice: string | null, alert: string | null, status = 200) {
  const l = req.locale;
  const keys = await listPasskeys(s.ctx.db, { customerId: req.customer!.id });
  const body = html`<section class="narrow stack">
<h1>${tp(l, 'title')}</h1>
<p>${tp(l, 'intro')}</p>
${notice ? html`<p class="alert alert-success" role="status">${notice}</p>` : ''}
${passkeyTable(l, keys, (id) => `/account/passkeys/${id}/remove`)}
<div class="card stack">
<h2>${tp(l, 'addTitle')}</h2>
<p>${tp(l, 'addIntro')}</p>
${alert ? html`<p class="alert alert-error" role="alert">${alert}</p>` : ''}
${passkeyErrorBox(l)}
<noscript><p class="alert">${tp(l, 'needsScript')}</p></noscript>
<form method="post" action="/account/passkeys/new" data-passkey-register data-options="/account/passkeys/register/options" data-verify="/account/passkeys/register/verify">
  <div class="field"><label for="passkey-name">${tp(l, 'nameLabel')}</label><input id="passkey-name" name="name" type="text" required maxlength="60" autocomplete="off"></div>
  <div class="field"><label for="current-password">${t(l, 'password')}</label><input id="current-password" name="password" type="password" required autocomplete="current-password"></div>
  <button type="submit" class="btn-primary">${tp(l, 'addSubmit')}</button>
</form>
</div>
<p><a href="/account">${t(l, 'accountTitle')}</a></p>
</section>`;
  return sendHtml(reply, storePage(req, await s.chrome(req), { title: tp(l, 'title'), body, scripts: [passkeyScript] }), status);
}

/**
 * Customer passkeys (issue 17, optional): added from the account page after the password is typed again,
 * used to sign in (with the browser's passkey autofill where supported); the password stays. Same mails,
 * security events and audit entries as staff passkeys. The relying party is the storefront's own origin.
 */
export const passkeyStoreRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const rp = async () => storeRelyingParty(s.ctx.config, (await s.shop.get()).name);
  const client = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });
  const refused = (req: FastifyRequest, reply: FastifyReply, reason: CeremonyRefusal, step: string, customerId: number | null) => {
    recordRequestEvent(req, { kind: 'auth.passkey.failure', outcome: 'refused', actor: customerId === null ? null : { kind: 'customer', id: customerId }, detail: { realm: 'customer', step, reason } });
    return reply.code(reason === 'limit' ? 409 : 401).send({ error: reason, message: tp(req.locale, reason === 'expired' ? 'cancelled' : 'refused') });
  };

  app.get('/account/passkeys', async (req, reply) => {
    if (!requireCustomer(req, reply)) return reply;
    const q = req.query as Record<string, unknown>;
    const name = typeof q.name === 'string' ? q.name.slice(0, 60) : '';
    const notice = q.done === 'added' ? tp(req.locale, 'added', { name }) : q.done === 'removed' ? tp(req.locale, 'removed', { name }) : null;
    return render(s, req, reply, notice, null);
  });

  app.post('/account/passkeys/new', async (req, reply) => {
    if (!requireCustomer(req, reply)) return reply;
    return render(s, req, reply, null, tp(req.locale, 'needsScript'), 422);
  });

  // T4: the password again before a new way in is added (a session left open is not enough).
  app.post('/account/passkeys/register/options', async (req, reply) => {
    const customer = requireCustomer(req, reply)!;
    const password = body(req).password;
    const attempt = customerAttempt(req, 'store', customer.email);
    try {
      await s.identity.throttle.check(attempt);
    } catch (err) {
      if (!(err instanceof LoginThrottledError)) throw err;
      return reply.code(429).header('retry-after', String(err.retryAfterSeconds)).send({ error: 'rate_limited', message: err.localized(req.locale) });
    }
    const row = await db.selectFrom('customer').select('password_hash').where('id', '=', customer.id).executeTakeFirstOrThrow();
    if (typeof password !== 'string' || !(await verifyPassword(row.password_hash, password.slice(0, 1024)))) {
      await s.identity.throttle.failure(attempt);
      recordRequestEvent(req, { kind: 'auth.step_up.failure', outcome: 'failure', actor: { kind: 'customer', id: customer.id }, detail: { realm: 'customer', step: 'passkey_add' } });
      return reply.code(401).send({ error: 'password', message: t(req.locale, 'signInFailed') });
    }
    return beginRegistration(db, await rp(), { customerId: customer.id }, { name: customer.email, displayName: customer.name });
  });

  app.post('/account/passkeys/register/verify', async (req, reply) => {
    const customer = requireCustomer(req, reply)!;
    const input = body(req);
    const name = passkeyName(input.name);
    if (!name) return reply.code(422).send({ error: 'validation', message: tp(req.locale, 'nameInvalid') });
    const result = await finishRegistration(db, await rp(), { customerId: customer.id }, input.ceremony, input.response, name);
    if (!result.ok) return refused(req, reply, result.reason, 'register', customer.id);
    const notice = await noticeContext(s);
    await db.transaction().execute(async (trx) => {
      await customerAudit(trx, customer.id, 'passkey.add', result.passkeyId, req);
      await notifyPasskeyChanged(trx, { customerId: customer.id }, 'added', name, client(req), notice);
    });
    recordRequestEvent(req, { kind: 'auth.passkey.added', outcome: 'success', actor: { kind: 'customer', id: customer.id }, detail: { realm: 'customer' } });
    return { ok: true, redirect: `/account/passkeys?done=added&name=${encodeURIComponent(name)}` };
  });

  app.post('/account/passkeys/:id/remove', async (req, reply) => {
    const customer = requireCustomer(req, reply)!;
    const raw = (req.params as { id?: string }).id ?? '';
    if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
    const notice = await noticeContext(s);
    const removed = await db.transaction().execute(async (trx) => {
      const gone = await removePasskey(trx, { customerId: customer.id }, Number(raw));
      if (!gone) return null;
      await customerAudit(trx, customer.id, 'passkey.remove', Number(raw), req);
      await notifyPasskeyChanged(trx, { customerId: customer.id }, 'removed', gone.name, client(req), notice);
      return gone;
    });
    if (!removed) throw new AppError('not_found');
    recordRequestEvent(req, { kind: 'auth.passkey.removed', outcome: 'success', actor: { kind: 'customer', id: customer.id }, detail: { realm: 'customer' } });
    return redirectAfterPost(reply, `/account/passkeys?done=removed&name=${encodeURIComponent(removed.name)}`);
  });

  app.post('/account/passkeys/sign-in/options', async () => beginAuthentication(db, await rp(), 'authenticate', null));

  app.post('/account/passkeys/sign-in/verify', async (req, reply) => {
    const input = body(req);
    const result = await finishAuthentication(db, await rp(), 'authenticate', input.ceremony, input.response, null);
    if (!result.ok || !('customerId' in result.owner)) return refused(req, reply, result.ok ? 'unknown_credential' : result.reason, 'sign_in', null);
    const customerId = result.owner.customerId;
    const found = await db.selectFrom('customer').select(['id', 'email']).where('id', '=', customerId).executeTakeFirstOrThrow();
    const { email } = await decryptCustomer(s.ctx.vault, found);
    recordRequestEvent(req, { kind: 'auth.sign_in.success', outcome: 'success', actor: { kind: 'customer', id: customerId }, account: email, detail: { realm: 'customer', step: 'passkey' } });
    // A user-verified passkey is both factors: no TOTP step after it. The session is made as for a password
    // sign-in; the script follows the 303 to `next`.
    return signInBrowser(s, req, reply, customerId, await noticeContext(s), safeNextPath(input.next, '/account'));
  });
};
