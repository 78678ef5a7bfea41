import swagger from '@fastify/swagger';
import { registerHostHooks } from '../watchdog/host-check.ts';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { guardAdminContext } from '../admin/context.ts';
import { consoleFrame } from './console-frame.ts';
import { auditAdminRequests } from '../audit/record.ts';
import { adminErrorPage } from '../admin/layout.ts';
import { adminDashboardRoutes } from '../admin/dashboard-routes.ts';
import { auditAdminRoutes } from '../audit/admin-routes.ts';
import { alertsAdminRoutes } from '../alerts/admin-routes.ts';
import { securityOverviewAdminRoutes } from '../security-overview/admin-routes.ts';
import { doctorAdminRoutes } from '../doctor/admin-routes.ts';
import { drillApiRoutes } from '../drills/api-routes.ts';
import { drillsAdminRoutes } from '../drills/admin-routes.ts';
import { cartApiRoutes } from '../cart/api-routes.ts';
import { cartStoreRoutes } from '../cart/store-routes.ts';
import { catalogAdminRoutes } from '../catalog/admin-routes.ts';
import { catalogApiRoutes } from '../catalog/api-routes.ts';
import { catalogStoreRoutes } from '../catalog/store-routes.ts';
import { checkoutApiRoutes } from '../checkout/api-routes.ts';
import { checkoutStoreRoutes } from '../checkout/store-routes.ts';
import { registerSecurityEventHooks } from '../security-events/service.ts';
import { registerBanHooks } from '../bans/service.ts';
import { registerEdgeGuard } from '../edge/service.ts';
import { identityAdminRoutes } from '../identity/admin-routes.ts';
import { identityApiRoutes } from '../identity/api-routes.ts';
import { identityStoreRoutes } from '../identity/store-routes.ts';
import { integrityAdminRoutes } from '../integrity/admin-routes.ts';
import { integrityStoreRoutes } from '../integrity/store-routes.ts';
import { mailboxAdminRoutes } from '../outbox/admin-routes.ts';
import { mailboxStoreRoutes } from '../outbox/store-routes.ts';
import { exportsAdminRoutes } from '../exports/admin-routes.ts';
import { ordersAdminRoutes } from '../orders/admin-routes.ts';
import { ordersApiRoutes } from '../orders/api-routes.ts';
import { cardAdminRoutes } from '../payments/card/admin-routes.ts';
import { cardStoreRoutes } from '../payments/card/store-routes.ts';
import { ordersStoreRoutes } from '../orders/store-routes.ts';
import { orderClaimStoreRoutes } from '../orders/claim-routes.ts';
import type { AppContext } from '../platform/context.ts';
import { assetUrl, staticDir } from '../platform/http/assets.ts';
import { cookiePolicy } from '../platform/http/cookies.ts';
import { allowFormActions } from '../platform/http/security-headers.ts';
import { createHttpServer } from '../platform/http/server.ts';
import { registerHealthRoutes } from '../platform/http/health.ts';
import { shopAdminRoutes } from '../settings/admin-routes.ts';
import { shopStoreRoutes } from '../settings/store-routes.ts';
import { shippingSettingsAdminRoutes } from '../settings/shipping-admin-routes.ts';
import { catalogCsvAdminRoutes } from '../catalog-csv/admin-routes.ts';
import { couponAdminRoutes } from '../coupons/admin-routes.ts';
import type { RouteModule, Services } from '../services.ts';
import { storeErrorPage } from '../storefront/layout.ts';
import { registerStoreClosedHook } from '../storefront/store-closed.ts';
import { incidentAdminRoutes } from '../incidents/admin-routes.ts';
import { incidentPublicRoutes } from '../incidents/public-routes.ts';
import { fulfilmentAdminRoutes } from '../fulfilment/admin-routes.ts';

const storeRoutes: RouteModule[] = [catalogStoreRoutes, cartStoreRoutes, checkoutStoreRoutes, ordersStoreRoutes, identityStoreRoutes, mailboxStoreRoutes, shopStoreRoutes, integrityStoreRoutes, cardStoreRoutes, incidentPublicRoutes, orderClaimStoreRoutes];
const adminRoutes: RouteModule[] = [adminDashboardRoutes, catalogAdminRoutes, ordersAdminRoutes, identityAdminRoutes, shopAdminRoutes, mailboxAdminRoutes, integrityAdminRoutes, cardAdminRoutes, auditAdminRoutes, exportsAdminRoutes, alertsAdminRoutes, securityOverviewAdminRoutes, incidentAdminRoutes, doctorAdminRoutes, drillsAdminRoutes, fulfilmentAdminRoutes, shippingSettingsAdminRoutes, catalogCsvAdminRoutes, couponAdminRoutes];
const apiRoutes: RouteModule[] = [catalogApiRoutes, cartApiRoutes, checkoutApiRoutes, ordersApiRoutes, identityApiRoutes, drillApiRoutes];

/**
 * The whole HTTP application: storefront at /, admin console at /admin, JSON API at /api. With
 * ADMIN_PORT the console is a separate application on its own listener (`surface: 'admin'`, its own
 * origin for the CSRF check) and the public one has no /admin at all (`'public'`: 404).
 */
export async function buildApp(ctx: AppContext, services: Services, surface: 'all' | 'public' | 'admin' = 'all'): Promise<FastifyInstance> {
  const app = createHttpServer({
    logger: ctx.log,
    // T4: on its own listener, only the console's origin may post to it (not the storefront's, though it is "same-site").
    publicUrl: surface === 'admin' ? ctx.config.adminUrl! : ctx.config.publicUrl,
    extraOrigins: ctx.config.adminHost && surface === 'all' ? [`${new URL(ctx.config.publicUrl).protocol}//${ctx.config.adminHost}`] : [],
    trustProxy: ctx.config.trustProxy,
    timeouts: { requestMs: ctx.config.httpRequestTimeoutMs, headersMs: ctx.config.httpHeadersTimeoutMs, keepAliveMs: ctx.config.httpKeepAliveTimeoutMs },
    cardGuard: { db: ctx.db, dataDir: ctx.config.dataDir },
    scriptOrigins: (req) => services.scripts.originsFor(req), // T6: approved third-party scripts only, never on payment pages
    renderErrorPage: (req, status, message) => (req.url.startsWith('/admin') ? adminErrorPage(req, status, message) : storeErrorPage(req, status, message)),
  });
  // `npm run bench` only: a second store without the event stream's request hook and the request classifier, to
  // report what they cost in the same run (issue 12: at most 5 %). Never set it on a real store.
  const detectionOff = process.env.OMAMORI_BENCH_DETECTION_OFF === '1';
  if (!detectionOff) registerSecurityEventHooks(app, services.securityEvents);
  registerEdgeGuard(app, ctx, services.edge); // T1, issue 14: with EDGE_REQUIRED only requests through the proxy + WAF are served
  registerBanHooks(app, services.bans, { classify: !detectionOff }); // banned clients get a 403 first; then the attack classifier
  registerHostHooks(app, services.hostCheck); // the host check expects the ports the store listens on

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'omamori Store API', version: '1.0.0', description: 'JSON API for integrators. Authenticate a customer with `Authorization: Bearer <token>` from sign-in; a guest cart with the `X-Cart-Token` header.' },
      components: { securitySchemes: { customerToken: { type: 'http', scheme: 'bearer' }, cartToken: { type: 'apiKey', in: 'header', name: 'X-Cart-Token' } } },
    },
    transform: jsonSchemaTransform,
    hideUntagged: true,
  });

  await app.register(fastifyStatic, { root: staticDir, prefix: '/static/', maxAge: '365d', immutable: true, index: false, dotfiles: 'deny' });

  // Issue 18: readiness fails within HEALTH_TIMEOUT_MS when no pool connection answers; details for monitoring only.
  registerHealthRoutes(app, {
    check: async () => {
      await sql`select 1`.execute(ctx.db);
    },
    timeoutMs: ctx.config.healthTimeoutMs,
    token: ctx.config.healthToken,
    draining: () => ctx.draining === true,
    details: () => {
      // T1: whether card checkout may start (file integrity); a reason code only, never a path.
      const card = services.integrity.cardCheckoutAllowed();
      return { database: ctx.database.kind, ...(ctx.database.stats ? { pool: ctx.database.stats() } : {}), cardCheckout: card.allowed ? 'enabled' : 'disabled', ...(card.reason ? { cardCheckoutReason: card.reason } : {}) };
    },
  });
  app.get('/favicon.ico', (_req, reply) => reply.redirect(assetUrl('img/favicon.svg'), 301));

  if (surface === 'admin') await app.register(async (reports) => integrityStoreRoutes(reports, services)); // CSP reports of console pages
  if (surface !== 'admin') await app.register(async (store) => {
    registerStoreClosedHook(store, services.switches, 'html'); // issue 13: the incident console's "close the store"
    store.addHook('onRequest', async (req, reply) => services.identity.loadCustomer(req, reply));
    // CSP form-action: checkout's 303 leads to the card provider's hosted page (storefront only).
    allowFormActions(store, services.payments.card.hostedOrigins());
    for (const register of storeRoutes) register(store, services);
  });

  if (surface !== 'public') await app.register(
    async (admin) => {
      guardAdminContext(admin, services, consoleFrame(services));
      auditAdminRequests(admin, services); // principle 4: every state-changing or refused staff request is recorded
      for (const register of adminRoutes) register(admin, services);
    },
    { prefix: '/admin' },
  );

  if (surface !== 'admin') await app.register(
    async (api) => {
      registerStoreClosedHook(api, services.switches, 'api');
      for (const register of apiRoutes) register(api, services);
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api' },
  );

  return app;
}
