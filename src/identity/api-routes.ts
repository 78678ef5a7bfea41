import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cartTokenHeader } from '../cart/owner.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import { AppError } from '../platform/http/errors.ts';
import type { RouteModule } from '../services.ts';
import { authenticateCustomer, customerProfile, registerCustomer, registrationSchema, signInSchema } from './customers.ts';
import { t } from './messages.ts';
import { deleteSession } from './sessions.ts';
import { startCustomerSession } from './sign-in.ts';

const tags = ['Store: customers'];
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.string()).optional() }) });
const customerSchema = z.object({ id: z.number().int(), name: z.string(), email: z.string() });
const profileSchema = customerSchema.extend({ name_kana: z.string(), phone: z.string() });
const bearer = [{ customerToken: [] }];

/** Customer accounts over JSON. Bearer tokens only: the API never reads cookies, so it needs no CSRF defence. */
export const identityApiRoutes: RouteModule = (plain, s) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const { db } = s.ctx;

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
        body: registrationSchema,
        response: { 202: z.object({ status: z.literal('accepted') }), 422: errorSchema },
      },
    },
    async (req, reply) => {
      const shop = await s.shop.get();
      await registerCustomer(db, req.body, { locale: req.locale, shopName: shop.name, publicUrl: s.ctx.config.publicUrl });
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
        description: `Send the token as \`Authorization: Bearer <token>\`. With \`X-Cart-Token\`, that guest cart is merged into the customer's cart.`,
        body: signInSchema,
        // Loose: Fastify replaces req.headers with the parsed value, and a strict object would drop the rest.
        headers: z.looseObject({ [cartTokenHeader]: z.string().max(100).optional() }),
        response: { 200: z.object({ token: z.string(), customer: customerSchema }), 401: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const customer = await authenticateCustomer(db, req.body.email, req.body.password);
      // One answer for an unknown e-mail and a wrong password (user enumeration).
      if (!customer) throw new AppError('unauthenticated', { message: t(req.locale, 'signInFailed') });
      const cartToken = req.headers[cartTokenHeader];
      const previous = s.identity.bearerToken(req);
      const token = await startCustomerSession(db, s.cart, req, {
        customerId: customer.id,
        previousSessionHash: previous ? hashToken(previous) : null,
        guestCartHash: typeof cartToken === 'string' && cartToken ? hashToken(cartToken) : null,
      });
      return reply.header('cache-control', 'no-store').send({ token, customer });
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
      const profile = await customerProfile(db, id);
      if (!profile) throw new AppError('unauthenticated');
      return reply.header('cache-control', 'no-store').send({ id: profile.id, name: profile.name, name_kana: profile.name_kana, email: profile.email, phone: profile.phone });
    },
  );
};
