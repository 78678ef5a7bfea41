import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { guardAdminContext } from './admin/context.ts';
import { auditAdminRequests } from './audit/record.ts';
import { adminErrorPage } from './admin/layout.ts';
import { adminDashboardRoutes } from './admin/dashboard-routes.ts';
import { auditAdminRoutes } from './audit/admin-routes.ts';
import { alertsAdminRoutes } from './alerts/admin-routes.ts';
import { cartApiRoutes } from './cart/api-routes.ts';
import { cartOwnerOf } from './cart/owner.ts';
import { createCart } from './cart/service.ts';
import { cartStoreRoutes } from './cart/store-routes.ts';
import { catalogAdminRoutes } from './catalog/admin-routes.ts';
import { catalogApiRoutes } from './catalog/api-routes.ts';
import { createCatalog } from './catalog/service.ts';
import { catalogStoreRoutes } from './catalog/store-routes.ts';
import { checkoutApiRoutes } from './checkout/api-routes.ts';
import { createCheckout } from './checkout/service.ts';
import { checkoutStoreRoutes } from './checkout/store-routes.ts';
import { createDetection } from './detection/service.ts';
import { createSecurityEvents, registerSecurityEventHooks } from './security-events/service.ts';
import { createBans, registerBanHooks } from './bans/service.ts';
import { scheduleGuardEventRetention } from './platform/security/guard-retention.ts';
import { createBackupSchedule } from './backup/service.ts';
import { watchdogOf } from './watchdog/service.ts';
import { hostCheckOf, registerHostHooks } from './watchdog/host-check.ts';
import { createRetention } from './retention/service.ts';
import { identityAdminRoutes } from './identity/admin-routes.ts';
import { identityApiRoutes } from './identity/api-routes.ts';
import { createIdentity } from './identity/service.ts';
import { identityStoreRoutes } from './identity/store-routes.ts';
import { integrityAdminRoutes } from './integrity/admin-routes.ts';
import { integrityOf } from './integrity/service.ts';
import { integrityStoreRoutes } from './integrity/store-routes.ts';
import { scriptInventoryOf } from './integrity/script-inventory.ts';
import { mailboxAdminRoutes } from './mailbox/admin-routes.ts';
import { exportsAdminRoutes } from './exports/admin-routes.ts';
import { ordersAdminRoutes } from './orders/admin-routes.ts';
import { ordersApiRoutes } from './orders/api-routes.ts';
import { createOrders } from './orders/service.ts';
import { cardAdminRoutes } from './payments/card/admin-routes.ts';
import { createPayments } from './payments/service.ts';
import { cardStoreRoutes } from './payments/card/store-routes.ts';
import { ordersStoreRoutes } from './orders/store-routes.ts';
import type { AppContext } from './platform/context.ts';
import { assetUrl, staticDir } from './platform/http/assets.ts';
import { cookiePolicy } from './platform/http/cookies.ts';
import { allowFormActions } from './platform/http/security-headers.ts';
import { createHttpServer } from './platform/http/server.ts';
import { registerHealthRoutes } from './platform/http/health.ts';
import { shopAdminRoutes } from './shop/admin-routes.ts';
import { createShopSettings } from './shop/settings.ts';
import { shopStoreRoutes } from './shop/store-routes.ts';
import type { RouteModule, Services } from './services.ts';
import { storeErrorPage } from './storefront/layout.ts';

const storeRoutes: RouteModule[] = [catalogStoreRoutes, cartStoreRoutes, checkoutStoreRoutes, ordersStoreRoutes, identityStoreRoutes, shopStoreRoutes, integrityStoreRoutes, cardStoreRoutes];
const adminRoutes: RouteModule[] = [adminDashboardRoutes, catalogAdminRoutes, ordersAdminRoutes, identityAdminRoutes, shopAdminRoutes, mailboxAdminRoutes, integrityAdminRoutes, cardAdminRoutes, auditAdminRoutes, exportsAdminRoutes, alertsAdminRoutes];
const apiRoutes: RouteModule[] = [catalogApiRoutes, cartApiRoutes, checkoutApiRoutes, ordersApiRoutes, identityApiRoutes];

export function createServices(ctx: AppContext): Services {
  const cookies = cookiePolicy(ctx.config.publicUrl);
  createSecurityEvents(ctx); // issue 12: one stream of security events (table security_event, detectors subscribe)
  createBans(ctx); // issue 12: detectors and bans every instance enforces (Redis with REDIS_URL, else the database)
  const shop = createShopSettings(ctx);
  const catalog = createCatalog(ctx);
  const cart = createCart(ctx, { catalog });
  const orders = createOrders(ctx, { catalog, shop });
  const identity = createIdentity(ctx, { cart });
  const payments = createPayments(ctx, { orders, cardCheckoutAllowed: () => integrityOf(ctx).cardCheckoutAllowed().allowed }); // T1: card checkout only while files verify
  const checkout = createCheckout(ctx, { cart, orders, shop, catalog, payments });
  createDetection(ctx); // T5: scheduled card-number scan of the database and DATA_DIR
  scheduleGuardEventRetention(ctx); // T2: refused card-number events are kept GUARD_EVENT_RETENTION_DAYS (90)
  createBackupSchedule(ctx); // scheduled encrypted backups (BACKUP_INTERVAL_HOURS, off by default)
  createRetention(ctx); // T3: daily erasure of personal data past the retention period (off by default)
  hostCheckOf(ctx); // issue 12: listening ports and child processes the store did not open (Linux /proc, every minute)
  watchdogOf(ctx); // issue 12, PCI DSS 10.7.2: a protection that stops running raises an alert (heartbeats, silence check)
  return {
    ctx,
    cookies,
    shop,
    catalog,
    cart,
    orders,
    identity,
    checkout,
    payments,
    async chrome(req) {
      const owner = cartOwnerOf(req, cookies);
      const [settings, categories, cartCount] = await Promise.all([
        shop.get(),
        catalog.categories(req.locale),
        owner.customerId || owner.tokenHash ? cart.count(owner) : Promise.resolve(0),
      ]);
      // PCI DSS 6.4.3: only approved inventory entries, pinned by SRI, and never on payment pages
      return { shopName: settings.name, categories, cartCount, customerName: req.customer?.name ?? null, thirdPartyScripts: scriptInventoryOf(ctx).scriptTags(req) };
    },
  };
}

/**
 * The whole HTTP application: storefront at /, admin console at /admin, JSON API at /api. With
 * ADMIN_PORT the console is a separate application on its own listener (`surface: 'admin'`, its own
 * origin for the CSRF check) and the public one has no /admin at all (`'public'`: 404).
 */
export async function buildApp(ctx: AppContext, services = createServices(ctx), surface: 'all' | 'public' | 'admin' = 'all'): Promise<FastifyInstance> {
  const app = createHttpServer({
    logger: ctx.log,
    // T4: on its own listener, only the console's origin may post to it (not the storefront's, though it is "same-site").
    publicUrl: surface === 'admin' ? ctx.config.adminUrl! : ctx.config.publicUrl,
    extraOrigins: ctx.config.adminHost && surface === 'all' ? [`${new URL(ctx.config.publicUrl).protocol}//${ctx.config.adminHost}`] : [],
    trustProxy: ctx.config.trustProxy,
    timeouts: { requestMs: ctx.config.httpRequestTimeoutMs, headersMs: ctx.config.httpHeadersTimeoutMs, keepAliveMs: ctx.config.httpKeepAliveTimeoutMs },
    cardGuard: { db: ctx.db, dataDir: ctx.config.dataDir },
    scriptOrigins: (req) => scriptInventoryOf(ctx).originsFor(req), // T6: approved third-party scripts only, never on payment pages
    renderErrorPage: (req, status, message) => (req.url.startsWith('/admin') ? adminErrorPage(req, status, message) : storeErrorPage(req, status, message)),
  });
  registerSecurityEventHooks(app, ctx);
  registerBanHooks(app, ctx); // banned clients get a 403 first; then the attack classifier
  registerHostHooks(app, ctx); // the host check expects the ports the store listens on

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
      const card = integrityOf(ctx).cardCheckoutAllowed();
      return { database: ctx.database.kind, ...(ctx.database.stats ? { pool: ctx.database.stats() } : {}), cardCheckout: card.allowed ? 'enabled' : 'disabled', ...(card.reason ? { cardCheckoutReason: card.reason } : {}) };
    },
  });
  app.get('/favicon.ico', (_req, reply) => reply.redirect(assetUrl('img/favicon.svg'), 301));

  if (surface === 'admin') await app.register(async (reports) => integrityStoreRoutes(reports, services)); // CSP reports of console pages
  if (surface !== 'admin') await app.register(async (store) => {
    store.addHook('onRequest', async (req, reply) => services.identity.loadCustomer(req, reply));
    // CSP form-action: checkout's 303 leads to the card provider's hosted page (storefront only).
    const hosted = services.payments.card.hostedOrigin();
    allowFormActions(store, hosted ? [hosted] : []);
    for (const register of storeRoutes) register(store, services);
  });

  if (surface !== 'public') await app.register(
    async (admin) => {
      guardAdminContext(admin, services);
      auditAdminRequests(admin, services); // principle 4: every state-changing or refused staff request is recorded
      for (const register of adminRoutes) register(admin, services);
    },
    { prefix: '/admin' },
  );

  if (surface !== 'admin') await app.register(
    async (api) => {
      for (const register of apiRoutes) register(api, services);
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api' },
  );

  return app;
}
