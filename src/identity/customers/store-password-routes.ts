import { formValues } from '../../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, errorMessage } from '../../platform/http/errors.ts';
import { email } from '../../platform/http/fields.ts';
import { parseInput } from '../../platform/http/forms.ts';
import { redirectAfterPost } from '../../platform/http/reply.ts';
import { LoginThrottledError } from '../../platform/throttle/login-throttle.ts';
import type { RouteModule, Services } from '../../services.ts';
import { changeEmail, changeEmailSchema, changePassword, changePasswordSchema, checkCurrentPassword } from './customers.ts';
import { t } from '../messages.ts';
import { completePasswordReset, requestPasswordReset, resetTokenState } from './password-reset.ts';
import { newPasswordField, parseAccountInput, passwordProblem } from '../passwords.ts';
import { noticeContext, renderStore, requireCustomer } from './store-pages.ts';
import { customerAttempt } from '../sessions/sign-in.ts';
import { changeEmailForm, changePasswordForm, forgotForm, forgotSent, resetDone, resetForm, resetUnavailable } from './store-password-views.ts';

const forgotSchema = z.object({ email });
const resetSchema = z.object({ token: z.string().max(100), password: newPasswordField('customer') });

const clientOf = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

/**
 * Runs the throttle step; when it refuses, renders `refused` with the "try again in …" message,
 * HTTP 429 and Retry-After, and returns that reply.
 */
async function throttled(reply: FastifyReply, run: () => Promise<void>, refused: (message: string) => Promise<unknown>, locale: 'ja' | 'en'): Promise<{ refused: unknown } | null> {
  try {
    await run();
    return null;
  } catch (err) {
    if (!(err instanceof LoginThrottledError)) throw err;
    reply.header('retry-after', String(err.retryAfterSeconds));
    return { refused: await refused(err.localized(locale)) };
  }
}

/** Password reset (signed out), and password / e-mail change for a signed-in customer. */
export const storePasswordRoutes: RouteModule = (app, s: Services) => {
  const { db } = s.ctx;

  app.get('/account/password/forgot', async (req, reply) => renderStore(s, req, reply, t(req.locale, 'forgotTitle'), forgotForm(req.locale, {}, {}, null)));

  app.post('/account/password/forgot', async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const parsed = parseInput(forgotSchema, req.body, l);
    if (!parsed.ok) return renderStore(s, req, reply, t(l, 'forgotTitle'), forgotForm(l, values, parsed.errors, errorMessage('validation', l)), 422);
    const refused = await throttled(
      reply,
      () => s.identity.throttle.resetRequest({ account: parsed.data.email, ip: req.ip }),
      (message) => renderStore(s, req, reply, t(l, 'forgotTitle'), forgotForm(l, values, {}, message), 429),
      l,
    );
    if (refused) return refused.refused;
    // The same answer, after the same single insert, whether or not the address has an account (user enumeration).
    await requestPasswordReset(db, parsed.data.email, { ...(await noticeContext(s)), locale: l });
    return redirectAfterPost(reply, '/account/password/forgot/sent');
  });

  app.get('/account/password/forgot/sent', async (req, reply) => renderStore(s, req, reply, t(req.locale, 'forgotSentTitle'), forgotSent(req.locale)));

  app.get('/account/password/reset', async (req, reply) => {
    const l = req.locale;
    const token = (req.query as Record<string, unknown>).token;
    const state = await resetTokenState(s.ctx, token);
    // The link carries a secret; the global `Referrer-Policy: same-origin` keeps it from other sites.
    reply.header('cache-control', 'no-store');
    if (state.state !== 'ok') return renderStore(s, req, reply, t(l, 'resetTitle'), resetUnavailable(l, state.state), 410);
    return renderStore(s, req, reply, t(l, 'resetTitle'), resetForm(l, token as string, {}, null));
  });

  app.post('/account/password/reset', async (req, reply) => {
    const l = req.locale;
    const token = formValues(req.body).token ?? '';
    const state = await resetTokenState(s.ctx, token);
    if (state.state !== 'ok') return renderStore(s, req, reply, t(l, 'resetTitle'), resetUnavailable(l, state.state), 410);
    const parsed = parseAccountInput(resetSchema, req.body, l);
    const personal = parsed.ok && passwordProblem(parsed.data.password, 'customer', [state.email, state.name]) !== null;
    if (!parsed.ok || personal) {
      const errors = parsed.ok ? { password: t(l, 'passwordCommon') } : parsed.errors;
      return renderStore(s, req, reply, t(l, 'resetTitle'), resetForm(l, token, errors, errorMessage('validation', l)), 422);
    }
    const done = await completePasswordReset(db, token, parsed.data.password, clientOf(req), await noticeContext(s));
    if (done.state !== 'ok') return renderStore(s, req, reply, t(l, 'resetTitle'), resetUnavailable(l, done.state), 410);
    // The reset is the customer's way out of a sign-in delay: clear the account's failure count.
    await s.identity.throttle.unlock('store', state.email);
    return redirectAfterPost(reply, '/account/password/reset/done');
  });

  app.get('/account/password/reset/done', async (req, reply) => renderStore(s, req, reply, t(req.locale, 'resetDoneTitle'), resetDone(req.locale)));

  app.get('/account/password', async (req, reply) => {
    if (!requireCustomer(req, reply)) return reply;
    return renderStore(s, req, reply, t(req.locale, 'changePasswordTitle'), changePasswordForm(req.locale, {}, null));
  });

  app.post('/account/password', async (req, reply) => {
    const customer = req.customer;
    if (!customer) throw new AppError('unauthenticated');
    const l = req.locale;
    const title = t(l, 'changePasswordTitle');
    const parsed = parseAccountInput(changePasswordSchema, req.body, l);
    if (!parsed.ok) return renderStore(s, req, reply, title, changePasswordForm(l, parsed.errors, errorMessage('validation', l)), 422);
    if (passwordProblem(parsed.data.new_password, 'customer', [customer.email, customer.name])) {
      return renderStore(s, req, reply, title, changePasswordForm(l, { new_password: t(l, 'passwordCommon') }, errorMessage('validation', l)), 422);
    }
    // A stolen session must not become a way to guess the password: the same throttle as sign-in.
    const attempt = customerAttempt(req, 'store', customer.email);
    const refused = await throttled(reply, () => s.identity.throttle.check(attempt), (message) => renderStore(s, req, reply, title, changePasswordForm(l, {}, message), 429), l);
    if (refused) return refused.refused;
    if (!(await checkCurrentPassword(db, customer.id, parsed.data.current_password))) {
      await s.identity.throttle.failure(attempt);
      return renderStore(s, req, reply, title, changePasswordForm(l, { current_password: t(l, 'currentPasswordWrong') }, errorMessage('validation', l)), 422);
    }
    await s.identity.throttle.success(attempt);
    await changePassword(db, customer.id, parsed.data.new_password, req.sessionHash, clientOf(req), await noticeContext(s));
    return redirectAfterPost(reply, '/account?done=password');
  });

  app.get('/account/email', async (req, reply) => {
    const customer = requireCustomer(req, reply);
    if (!customer) return reply;
    return renderStore(s, req, reply, t(req.locale, 'changeEmailTitle'), changeEmailForm(req.locale, customer.email, {}, {}, null));
  });

  app.post('/account/email', async (req, reply) => {
    const customer = req.customer;
    if (!customer) throw new AppError('unauthenticated');
    const l = req.locale;
    const title = t(l, 'changeEmailTitle');
    const values = formValues(req.body);
    const form = (errors: Record<string, string>, alert: string | null) => changeEmailForm(l, customer.email, values, errors, alert);
    const parsed = parseInput(changeEmailSchema, req.body, l);
    if (!parsed.ok) return renderStore(s, req, reply, title, form(parsed.errors, errorMessage('validation', l)), 422);
    const attempt = customerAttempt(req, 'store', customer.email);
    const refused = await throttled(reply, () => s.identity.throttle.check(attempt), (message) => renderStore(s, req, reply, title, form({}, message), 429), l);
    if (refused) return refused.refused;
    if (!(await checkCurrentPassword(db, customer.id, parsed.data.current_password))) {
      await s.identity.throttle.failure(attempt);
      return renderStore(s, req, reply, title, form({ current_password: t(l, 'currentPasswordWrong') }, errorMessage('validation', l)), 422);
    }
    await s.identity.throttle.success(attempt);
    const result = await changeEmail(db, customer.id, parsed.data.email, clientOf(req), await noticeContext(s));
    if (result === 'unchanged') return renderStore(s, req, reply, title, form({ email: t(l, 'emailSame') }, errorMessage('validation', l)), 422);
    // Only a signed-in customer who knows their password gets here, and the throttle bounds how often.
    if (result === 'taken') return renderStore(s, req, reply, title, form({ email: t(l, 'emailUnavailable') }, errorMessage('validation', l)), 422);
    return redirectAfterPost(reply, '/account?done=email');
  });
};
