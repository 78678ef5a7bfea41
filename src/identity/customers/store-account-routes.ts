import type { FastifyReply, FastifyRequest } from 'fastify';
import { formValues } from '../../platform/http/form-fields.ts';
import { AppError, errorMessage } from '../../platform/http/errors.ts';
import { parseInput } from '../../platform/http/forms.ts';
import { redirectAfterPost } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import { authenticateCustomer, customerProfile, registerCustomer, registrationSchema, signInSchema } from './customers.ts';
import { customerHasTwoFactor } from '../two-factor/customer-2fa.ts';
import { createChallenge } from '../two-factor/second-factor-challenge.ts';
import { challengeCookie, noticeContext, renderStore, requireCustomer, signInBrowser } from './store-pages.ts';
import { t } from '../messages.ts';
import { safeNextPath } from '../sessions/redirects.ts';
import { deleteSession, sessionCookie } from '../sessions/sessions.ts';
import { customerAttempt, knownDeviceFor } from '../sessions/sign-in.ts';
import { LoginThrottledError } from '../../platform/throttle/login-throttle.ts';
import { requestPasswordReset } from './password-reset.ts';
import { parseAccountInput, isCommonPassword } from '../passwords.ts';
import { resetRequired } from './store-password-views.ts';
import { accountOverview, registeredNotice, registerForm, signInForm } from './store-account-views.ts';
import { recordRequestEvent } from '../../platform/security/event-stream.ts';
import { passkeyScript } from '../passkeys/views.ts';



const afterSignIn = (next: unknown) => safeNextPath(next, '/account');


export const storeAccountRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const cookie = sessionCookie(s.cookies, 'store');

  app.get('/account/register', async (req, reply) => {
    if (req.customer) return reply.redirect('/account', 303);
    return renderStore(s, req, reply, t(req.locale, 'registerTitle'), registerForm(req.locale, {}, {}, null));
  });

  // T2: a card number typed into the form shows the form again with the message next to that field.
  const registerAgain = (req: FastifyRequest, reply: FastifyReply, errors: Record<string, string>) =>
    renderStore(s, req, reply, t(req.locale, 'registerTitle'), registerForm(req.locale, formValues(req.body), errors, errorMessage('validation', req.locale)), 422);
  app.post('/account/register', { config: { cardGuardForm: registerAgain } }, async (req, reply) => {
    const l = req.locale;
    const parsed = parseAccountInput(registrationSchema, req.body, l);
    // Issue 16: the terms of use are agreed to at registration (the API's clients show them themselves).
    const agreed = (req.body as Record<string, unknown> | undefined)?.agree_terms === 'on';
    if (!parsed.ok || !agreed) {
      const errors = { ...(parsed.ok ? {} : parsed.errors), ...(agreed ? {} : { agree_terms: t(l, 'termsRequired') }) };
      return renderStore(s, req, reply, t(l, 'registerTitle'), registerForm(l, formValues(req.body), errors, errorMessage('validation', l)), 422);
    }
    // Each registration costs an argon2 hash: bounded per address (keyed by address only, so it reveals nothing about e-mails).
    try {
      await s.identity.throttle.registration({ ip: req.ip });
    } catch (err) {
      if (!(err instanceof LoginThrottledError)) throw err;
      reply.header('retry-after', String(err.retryAfterSeconds));
      return renderStore(s, req, reply, t(l, 'registerTitle'), registerForm(l, formValues(req.body), {}, err.localized(l)), 429);
    }
    const shop = await s.shop.get();
    await registerCustomer(s.ctx, parsed.data, { locale: l, shopName: shop.name, publicUrl: s.ctx.config.publicUrl });
    return redirectAfterPost(reply, '/account/register/done');
  });

  app.get('/account/register/done', async (req, reply) => renderStore(s, req, reply, t(req.locale, 'registeredTitle'), registeredNotice(req.locale)));

  app.get('/account/sign-in', async (req, reply) => {
    const next = (req.query as Record<string, unknown>).next;
    if (req.customer) return reply.redirect(afterSignIn(next), 303);
    return renderStore(s, req, reply, t(req.locale, 'signInTitle'), signInForm(req.locale, {}, {}, null, afterSignIn(next)), 200, [passkeyScript]);
  });

  app.post('/account/sign-in', async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const next = afterSignIn(values.next);
    const parsed = parseInput(signInSchema, req.body, l);
    if (!parsed.ok) return renderStore(s, req, reply, t(l, 'signInTitle'), signInForm(l, values, parsed.errors, errorMessage('validation', l), next), 422, [passkeyScript]);
    // Brute force / credential stuffing: refused before any argon2 work, the same way whether or not the account exists.
    const attempt = { ...customerAttempt(req, 'store', parsed.data.email), knownDevice: await knownDeviceFor(s.ctx, req, s.cookies, parsed.data.email) };
    try {
      await s.identity.throttle.check(attempt);
    } catch (err) {
      if (!(err instanceof LoginThrottledError)) throw err;
      reply.header('retry-after', String(err.retryAfterSeconds));
      recordRequestEvent(req, { kind: 'auth.throttled', outcome: 'refused', account: parsed.data.email, detail: { realm: 'customer', retryAfterSeconds: err.retryAfterSeconds } });
      return renderStore(s, req, reply, t(l, 'signInTitle'), signInForm(l, values, {}, err.localized(l), next), 429, [passkeyScript]);
    }
    const customer = await authenticateCustomer(s.ctx, parsed.data.email, parsed.data.password);
    // One message and status for an unknown e-mail and a wrong password (user enumeration).
    if (!customer) {
      await s.identity.throttle.failure(attempt);
      recordRequestEvent(req, { kind: 'auth.sign_in.failure', outcome: 'failure', account: parsed.data.email, detail: { realm: 'customer', step: 'password', commonPassword: isCommonPassword(parsed.data.password) } });
      return renderStore(s, req, reply, t(l, 'signInTitle'), signInForm(l, values, {}, t(l, 'signInFailed'), next), 401, [passkeyScript]);
    }
    await s.identity.throttle.success(attempt);
    recordRequestEvent(req, { kind: 'auth.sign_in.success', outcome: 'success', actor: { kind: 'customer', id: customer.id }, account: parsed.data.email, detail: { realm: 'customer', step: 'password' } });
    const notice = await noticeContext(s);
    if (customer.passwordResetRequired) {
      // Set by an emergency action (T2): the password alone no longer signs in; a reset link is on its way.
      await requestPasswordReset(db, customer.email, { ...notice, locale: l });
      return renderStore(s, req, reply, t(l, 'resetRequiredTitle'), resetRequired(l), 403);
    }
    if (await customerHasTwoFactor(db, customer.id)) {
      // The password alone does not sign in: no session yet, a 5-minute challenge for the code step.
      // (Looked up only after the password is verified: a wrong password answers the same with or without 2FA.)
      const challenge = challengeCookie(s.cookies);
      reply.setCookie(challenge.name, await createChallenge(db, customer.id, 'store'), challenge.options);
      return redirectAfterPost(reply, `/account/sign-in/2fa?next=${encodeURIComponent(next)}`);
    }
    return signInBrowser(s, req, reply, customer.id, notice, next);
  });

  app.post('/account/sign-out', async (req, reply) => {
    if (req.sessionHash) await deleteSession(db, req.sessionHash);
    reply.clearCookie(cookie.name, cookie.options);
    return redirectAfterPost(reply, '/');
  });

  app.get('/account', async (req, reply) => {
    const customer = requireCustomer(req, reply);
    if (!customer) return reply;
    const profile = await customerProfile(s.ctx, customer.id);
    if (!profile) throw new AppError('not_found');
    const done = (req.query as Record<string, unknown>).done;
    const notice = done === 'password' ? t(req.locale, 'passwordChanged') : done === 'email' ? t(req.locale, 'emailChanged') : null;
    return renderStore(s, req, reply, t(req.locale, 'accountTitle'), accountOverview(req.locale, profile, notice));
  });
};

