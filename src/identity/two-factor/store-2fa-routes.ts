import { formValues } from '../../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/http/errors.ts';
import type { FieldErrors } from '../../platform/http/forms.ts';
import { redirectAfterPost } from '../../platform/http/reply.ts';
import { LoginThrottledError } from '../../platform/throttle/login-throttle.ts';
import type { RouteModule } from '../../services.ts';
import { checkCurrentPassword } from '../customers/customers.ts';
import { customerTwoFactor, disableCustomerTwoFactor, secondFactorStep, verifyCustomerCode } from './customer-2fa.ts';
import { t } from '../messages.ts';
import { notifyTwoFactorChanged, type TwoFactorChange } from '../notifications.ts';
import { safeNextPath } from '../sessions/redirects.ts';
import { rotateSession, sessionCookie } from '../sessions/sessions.ts';
import { customerAttempt } from '../sessions/sign-in.ts';
import { challengeExpired, enrolForm, recoveryCodesPage, signInCodeForm, twoFactorStatus } from './store-2fa-views.ts';
import { challengeCookie, noticeContext, renderStore, requireCustomer, signInBrowser } from '../customers/store-pages.ts';
import { confirmTotpEnrolment, normalizeCode, pendingTotpSecret, totpQrSvg, totpUri } from './totp.ts';
import { customerSubject } from './totp-store.ts';
import { tf } from './two-factor-messages.ts';


const clientOf = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });
const afterSignIn = (next: unknown) => safeNextPath(next, '/account');
const password = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1024) : '');

/** Customer 2FA: the code step of sign-in, and turning it on and off on /account/2fa. */
export const store2faRoutes: RouteModule = (app, s) => {
  const { db, vault } = s.ctx;
  const session = sessionCookie(s.cookies, 'store');
  const challenge = challengeCookie(s.cookies);

  const notify = async (req: FastifyRequest, customerId: number, change: TwoFactorChange) =>
    notifyTwoFactorChanged(db, { customerId }, change, clientOf(req), await noticeContext(s));

  /** Runs `step`; a throttled attempt renders `refused(message)` with 429 and Retry-After instead. */
  async function unlessThrottled<T>(reply: FastifyReply, l: FastifyRequest['locale'], step: () => Promise<T>, refused: (message: string) => Promise<unknown>): Promise<{ value: T } | { refused: unknown }> {
    try {
      return { value: await step() };
    } catch (err) {
      if (!(err instanceof LoginThrottledError)) throw err;
      reply.header('retry-after', String(err.retryAfterSeconds));
      return { refused: await refused(err.localized(l)) };
    }
  }

  app.get('/account/sign-in/2fa', async (req, reply) => {
    const next = afterSignIn((req.query as Record<string, unknown>).next);
    if (req.customer) return reply.redirect(next, 303);
    if (!req.cookies[challenge.name]) return reply.redirect(`/account/sign-in?next=${encodeURIComponent(next)}`, 303);
    return renderStore(s, req, reply, tf(req.locale, 'signInTitle'), signInCodeForm(req.locale, next, null));
  });

  app.post('/account/sign-in/2fa', async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const next = afterSignIn(values.next);
    const form = (alert: string, status = 401) => renderStore(s, req, reply, tf(l, 'signInTitle'), signInCodeForm(l, next, alert), status);
    const notice = await noticeContext(s);
    const run = await unlessThrottled(reply, l, () => secondFactorStep(s, req, 'store', req.cookies[challenge.name], values.code, notice), (message) => form(message, 429));
    if ('refused' in run) return run.refused;
    const outcome = run.value;
    if (!outcome.ok && outcome.reason === 'bad_code') return form(tf(l, 'codeWrong'));
    reply.clearCookie(challenge.name, challenge.options);
    if (!outcome.ok) return renderStore(s, req, reply, tf(l, 'signInTitle'), challengeExpired(l), 401);
    // Only now is there a session, with a new id (the one the browser had before is dropped: fixation).
    return signInBrowser(s, req, reply, outcome.customerId, notice, next);
  });

  app.get('/account/2fa', async (req, reply) => {
    const customer = requireCustomer(req, reply);
    if (!customer) return reply;
    const state = await customerTwoFactor(db, customer.id);
    const notice = (req.query as Record<string, unknown>).done === 'off' ? tf(req.locale, 'turnedOff') : null;
    return renderStore(s, req, reply, tf(req.locale, 'title'), twoFactorStatus(req.locale, { ...state, errors: {}, alert: null, notice }));
  });

  async function renderEnrolment(req: FastifyRequest, reply: FastifyReply, customer: { id: number; email: string }, errors: FieldErrors, status: number, alert: string | null = Object.values(errors)[0] ?? null) {
    const secret = await pendingTotpSecret(db, vault, customerSubject(customer.id));
    if (!secret) return reply.redirect('/account/2fa', 303);
    const issuer = (await s.shop.get()).name || 'omamori';
    const qrSvg = await totpQrSvg(totpUri(issuer, customer.email, secret));
    return renderStore(s, req, reply, tf(req.locale, 'setupTitle'), enrolForm(req.locale, { secret, qrSvg, errors, alert }), status);
  }

  app.get('/account/2fa/setup', async (req, reply) => {
    const customer = requireCustomer(req, reply);
    if (!customer) return reply;
    return renderEnrolment(req, reply, customer, {}, 200);
  });

  app.post('/account/2fa/setup', async (req, reply) => {
    const customer = req.customer;
    if (!customer) throw new AppError('unauthenticated');
    const l = req.locale;
    const values = formValues(req.body);
    if ((await customerTwoFactor(db, customer.id)).enabledAt) return redirectAfterPost(reply, '/account/2fa');
    // T4: a stolen session alone cannot tie the account to someone else's authenticator: the password is asked, and throttled.
    const attempt = customerAttempt(req, 'store', customer.email);
    const checked = await unlessThrottled(reply, l, () => s.identity.throttle.check(attempt), (message) => renderEnrolment(req, reply, customer, {}, 429, message));
    if ('refused' in checked) return checked.refused;
    if (!(await checkCurrentPassword(db, customer.id, password(values.current_password)))) {
      await s.identity.throttle.failure(attempt);
      return renderEnrolment(req, reply, customer, { current_password: t(l, 'currentPasswordWrong') }, 422);
    }
    const codes = await confirmTotpEnrolment(db, vault, customerSubject(customer.id), normalizeCode(values.code));
    if (!codes) return renderEnrolment(req, reply, customer, { code: tf(l, 'setupCodeWrong') }, 422);
    await s.identity.throttle.success(attempt);
    // Other sessions (a thief's, perhaps) end; this one gets a new id (privilege change).
    await db.deleteFrom('session').where('customer_id', '=', customer.id).where('id_hash', '!=', req.sessionHash ?? '').execute();
    const token = await rotateSession(db, 'store', req.sessionHash, { customerId: customer.id }, clientOf(req));
    reply.setCookie(session.name, token, session.options);
    await notify(req, customer.id, 'enabled');
    // Shown once, in this response only (no-store); the database keeps hashes.
    return renderStore(s, req, reply, tf(l, 'recoveryTitle'), recoveryCodesPage(l, codes));
  });

  app.post('/account/2fa/disable', async (req, reply) => {
    const customer = req.customer;
    if (!customer) throw new AppError('unauthenticated');
    const l = req.locale;
    const values = formValues(req.body);
    const state = await customerTwoFactor(db, customer.id);
    if (!state.enabledAt) return redirectAfterPost(reply, '/account/2fa');
    const page = (errors: FieldErrors, alert: string | null, status: number) =>
      renderStore(s, req, reply, tf(l, 'title'), twoFactorStatus(l, { ...state, errors, alert, notice: null }), status);
    const attempt = customerAttempt(req, 'store', customer.email);
    const checked = await unlessThrottled(reply, l, () => s.identity.throttle.check(attempt), (message) => page({}, message, 429));
    if ('refused' in checked) return checked.refused;
    // Password and second factor both: a stolen session (or a stolen password) alone cannot turn 2FA off.
    if (!(await checkCurrentPassword(db, customer.id, password(values.current_password)))) {
      await s.identity.throttle.failure(attempt);
      return page({ current_password: t(l, 'currentPasswordWrong') }, t(l, 'currentPasswordWrong'), 422);
    }
    if (!(await verifyCustomerCode(db, vault, customer.id, values.code))) {
      await s.identity.throttle.failure(attempt);
      return page({ code: tf(l, 'codeWrong') }, tf(l, 'codeWrong'), 422);
    }
    await s.identity.throttle.success(attempt);
    await disableCustomerTwoFactor(db, customer.id);
    await notify(req, customer.id, 'disabled');
    return redirectAfterPost(reply, '/account/2fa?done=off');
  });
};
