import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cartTokenHeader } from '../cart/owner.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import { AppError } from '../platform/http/errors.ts';
import type { RouteModule } from '../services.ts';
import { email } from '../platform/http/fields.ts';
import { authenticateCustomer, customerProfile, registerCustomer, registrationApiSchema, signInSchema } from './customers/customers.ts';
import { completePasswordReset, requestPasswordReset, resetTokenState } from './customers/password-reset.ts';
import { assertPasswordAcceptable, newPasswordLengthField, isCommonPassword } from './passwords.ts';
import { t } from './messages.ts';
import { deleteSession, readCustomerSession } from './sessions/sessions.ts';
import { customerHasTwoFactor, secondFactorStep } from './two-factor/customer-2fa.ts';
import type { NoticeContext } from './notifications.ts';
import { challengeLifetimeMs, createChallenge } from './two-factor/second-factor-challenge.ts';
import { tf } from './two-factor/two-factor-messages.ts';
import { customerAttempt, deviceHashOf, startCustomerSession } from './sessions/sign-in.ts';
import { recordRequestEvent } from '../platform/security/event-stream.ts';

const tags = ['Store: customers'];
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }) });
const customerSchema = z.object({ id: z.number().int(), name: z.string(), email: z.string() });
const profileSchema = customerSchema.extend({ name_kana: z.string(), phone: z.string() });
const bearer = [{ customerToken: [] }];
const signedInSchema = z.object({ token: z.string(), customer: customerSchema });
const secondFactorRequiredSchema = z.object({ status: z.literal('second_factor_required'), challenge: z.string(), expires_in: z.number().int(), message: z.string() });

/** Customer accounts over JSON. Bearer tokens only: the API never reads cookies, so it needs no CSRF defence. */
export const identityApiRoutes: RouteModule = (plain, s) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const { db } = s.ctx;

  /** A new bearer token (the one sent along, if any, ends: fixation) and the guest cart merged. */
  const signIn = async (req: FastifyRequest, customerId: number, notice: NoticeContext) => {
    const cartToken = req.headers[cartTokenHeader];
    const previous = s.identity.bearerToken(req);
    const token = await startCustomerSession(db, s.cart, req, {
      customerId,
      previousSessionHash: previous ? hashToken(previous) : null,
      guestCartHash: typeof cartToken === 'string' && cartToken ? hashToken(cartToken) : null,
      device: { hash: deviceHashOf(req, null, null), notice },
    });
    const session = await readCustomerSession(s.ctx, token);
    const customer = session!.customer!;
    return { token, customer: { id: customer.id, name: customer.name, email: customer.email } };
  };

  const signedIn = async (req: FastifyRequest) => {
    const customer = await s.identity.customerFromBearer(req);
    if (!customer) throw new AppError('unauthenticated', { headers: { 'www-authenticate': 'Bearer' } });
    return customer;
  };

  app.post(
    '/store/customers',
    {
      schema: {
        operationId: 'registerCustomer',
        tags,
        summary: 'Register a customer account',
        description: 'Always answers 202 whether or not the e-mail already has an account (no user enumeration); the address receives a mail either way. Sign in afterwards.',
        body: registrationApiSchema,
        response: { 202: z.object({ status: z.literal('accepted') }), 422: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      // Common, breached or guessable passwords (and ones built from the e-mail or name) are refused with a clear message.
      assertPasswordAcceptable(req.body.password, 'customer', req.locale, 'password', [req.body.email, req.body.name]);
      await s.identity.throttle.registration({ ip: req.ip });
      const shop = await s.shop.get();
      await registerCustomer(s.ctx, req.body, { locale: req.locale, shopName: shop.name, publicUrl: s.ctx.config.publicUrl });
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/store/sessions',
    {
      schema: {
        operationId: 'signInCustomer',
        tags,
        summary: 'Sign in; returns a bearer token',
        description: `Send the token as \`Authorization: Bearer <token>\`. With \`X-Cart-Token\`, that guest cart is merged into the customer's cart. An account with two-step verification answers 202 \`second_factor_required\` with a \`challenge\` instead: continue with \`signInCustomerSecondFactor\`.`,
        body: signInSchema,
        // Loose: Fastify replaces req.headers with the parsed value, and a strict object would drop the rest.
        headers: z.looseObject({ [cartTokenHeader]: z.string().max(100).optional() }),
        response: { 200: signedInSchema, 202: secondFactorRequiredSchema, 401: errorSchema, 403: errorSchema, 422: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      // Brute force / credential stuffing: 429 + Retry-After before any argon2 work; store and API share the counts.
      const attempt = customerAttempt(req, 'api', req.body.email);
      await s.identity.throttle.check(attempt);
      const customer = await authenticateCustomer(s.ctx, req.body.email, req.body.password);
      // One answer for an unknown e-mail and a wrong password (user enumeration).
      if (!customer) {
        await s.identity.throttle.failure(attempt);
        recordRequestEvent(req, { kind: 'auth.sign_in.failure', outcome: 'failure', account: req.body.email, detail: { realm: 'api', step: 'password', commonPassword: isCommonPassword(req.body.password) } });
        throw new AppError('unauthenticated', { message: t(req.locale, 'signInFailed') });
      }
      await s.identity.throttle.success(attempt);
      recordRequestEvent(req, { kind: 'auth.sign_in.success', outcome: 'success', actor: { kind: 'customer', id: customer.id }, account: req.body.email, detail: { realm: 'api', step: 'password' } });
      const notice = { shopName: (await s.shop.get()).name, publicUrl: s.ctx.config.publicUrl, vault: s.ctx.vault };
      if (customer.passwordResetRequired) {
        await requestPasswordReset(db, customer.email, { ...notice, locale: req.locale });
        throw new AppError('forbidden', { message: t(req.locale, 'resetRequiredBody') });
      }
      if (await customerHasTwoFactor(db, customer.id)) {
        // The password alone does not sign in: no token yet, a challenge for the code step (looked up only after the password is verified).
        const challenge = await createChallenge(db, customer.id, 'api');
        return reply
          .code(202)
          .header('cache-control', 'no-store')
          .send({ status: 'second_factor_required' as const, challenge, expires_in: challengeLifetimeMs / 1000, message: tf(req.locale, 'apiSecondFactorRequired') });
      }
      return reply.header('cache-control', 'no-store').send(await signIn(req, customer.id, notice));
    },
  );

  app.post(
    '/store/sessions/second-factor',
    {
      schema: {
        operationId: 'signInCustomerSecondFactor',
        tags,
        summary: 'Second step of a sign-in with two-step verification; returns a bearer token',
        description:
          'After `signInCustomer` answered 202 `second_factor_required`: send its `challenge` (valid 5 minutes, 5 wrong codes) with a 6-digit code from the authenticator app or a one-time recovery code. 401 `second_factor_failed` for a wrong or reused code, 401 `challenge_expired` when the password must be sent again; throttled like passwords (429 with Retry-After).',
        body: z.object({ challenge: z.string().max(100), code: z.string().max(64) }),
        headers: z.looseObject({ [cartTokenHeader]: z.string().max(100).optional() }),
        response: { 200: signedInSchema, 401: errorSchema, 422: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      const l = req.locale;
      const notice = { shopName: (await s.shop.get()).name, publicUrl: s.ctx.config.publicUrl, vault: s.ctx.vault };
      const outcome = await secondFactorStep(s, req, 'api', req.body.challenge, req.body.code, notice);
      if (!outcome.ok) {
        const expired = outcome.reason === 'expired';
        return reply.code(401).send({ error: { code: expired ? 'challenge_expired' : 'second_factor_failed', message: tf(l, expired ? 'challengeExpired' : 'codeWrong') } });
      }
      return reply.header('cache-control', 'no-store').send(await signIn(req, outcome.customerId, notice));
    },
  );

  app.delete(
    '/store/sessions/current',
    { schema: { operationId: 'signOutCustomer', tags, summary: 'Sign out: the bearer token stops working', security: bearer, response: { 204: z.null(), 401: errorSchema } } },
    async (req, reply) => {
      await signedIn(req);
      await deleteSession(db, hashToken(s.identity.bearerToken(req)!));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/store/customers/me',
    { schema: { operationId: 'getCurrentCustomer', tags, summary: 'The signed-in customer', security: bearer, response: { 200: profileSchema, 401: errorSchema } } },
    async (req, reply) => {
      const { id } = await signedIn(req);
      const profile = await customerProfile(s.ctx, id);
      if (!profile) throw new AppError('unauthenticated');
      return reply.header('cache-control', 'no-store').send({ id: profile.id, name: profile.name, name_kana: profile.name_kana, email: profile.email, phone: profile.phone });
    },
  );
  app.post(
    '/store/password-resets',
    {
      schema: {
        operationId: 'requestPasswordReset',
        tags,
        summary: 'Request a password reset link by e-mail',
        description:
          'Always answers 202 whether or not the address has an account (no user enumeration); an account holder receives a link that works once, for 30 minutes. Limited per address and per client (429 with Retry-After).',
        body: z.object({ email }),
        response: { 202: z.object({ status: z.literal('accepted') }), 422: errorSchema, 429: errorSchema },
      },
    },
    async (req, reply) => {
      await s.identity.throttle.resetRequest({ account: req.body.email, ip: req.ip });
      await requestPasswordReset(db, req.body.email, { shopName: (await s.shop.get()).name, publicUrl: s.ctx.config.publicUrl, vault: s.ctx.vault, locale: req.locale });
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/store/password-resets/confirm',
    {
      schema: {
        operationId: 'confirmPasswordReset',
        tags,
        summary: 'Set a new password with the token from the reset e-mail',
        description: 'The token works once, for 30 minutes. Every session of the account ends (sign in again) and the customer is told by e-mail. 410 when the token is unknown, expired or used.',
        body: z.object({ token: z.string().max(100), password: newPasswordLengthField('customer') }),
        response: { 204: z.null(), 410: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const l = req.locale;
      const gone = (state: 'expired' | 'used' | 'invalid') =>
        reply.code(410).send({ error: { code: `reset_${state}`, message: t(l, state === 'expired' ? 'resetExpired' : state === 'used' ? 'resetUsed' : 'resetInvalid') } });
      const state = await resetTokenState(s.ctx, req.body.token);
      if (state.state !== 'ok') return gone(state.state);
      assertPasswordAcceptable(req.body.password, 'customer', l, 'password', [state.email, state.name]);
      const done = await completePasswordReset(db, req.body.token, req.body.password, { ip: req.ip, userAgent: req.headers['user-agent'] }, { shopName: (await s.shop.get()).name, publicUrl: s.ctx.config.publicUrl, vault: s.ctx.vault });
      if (done.state !== 'ok') return gone(done.state);
      await s.identity.throttle.unlock('store', state.email);
      return reply.code(204).send(null);
    },
  );
};
