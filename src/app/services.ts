import { createBans } from '../bans/service.ts';
import { createWatchdog } from '../watchdog/service.ts';
import { createHostCheck } from '../watchdog/host-check.ts';
import { createAlertChannels } from '../security-overview/alert-channels.ts';
import { createBackupSchedule } from '../backup/service.ts';
import { cartOwnerOf } from '../cart/owner.ts';
import { createCart } from '../cart/service.ts';
import { createCatalog } from '../catalog/service.ts';
import { createCheckout } from '../checkout/service.ts';
import { createDetection } from '../detection/service.ts';
import { createIdentity } from '../identity/service.ts';
import { activeOwnerEmails } from '../identity/staff/staff-accounts.ts';
import { useOwnerDirectory } from '../alerts/owners.ts';
import { raiseAlert } from '../alerts/raise.ts';
import { createAudit } from '../audit/service.ts';
import { createIntegrity } from '../integrity/service.ts';
import { ScriptInventory } from '../integrity/scripts/script-inventory.ts';
import { createOrders } from '../orders/service.ts';
import { createPayments } from '../payments/service.ts';
import type { AppContext } from '../platform/context.ts';
import { cookiePolicy } from '../platform/http/cookies.ts';
import { scheduleGuardEventRetention } from '../platform/card-numbers/guard-retention.ts';
import { createRetention } from '../retention/service.ts';
import { createSecurityEvents } from '../security-events/service.ts';
import { createEdge } from '../edge/service.ts';
import type { Services } from '../services.ts';
import { createShopSettings } from '../settings/settings.ts';
import { createResponseSwitches } from '../platform/switches.ts';
import { createIncidents } from '../incidents/service.ts';
import { encryptedTables } from './encrypted-tables.ts';
import { accountNoticeBanner } from '../incidents/account-banner.ts';
import { createMalwareScan } from '../malware-scan/service.ts';

/** The composition root's one place that builds every domain service from the platform context. */
export function createServices(ctx: AppContext): Services {
  useOwnerDirectory({ activeOwnerEmails }); // alerts are mailed to the active owners (identity's staff accounts)
  const cookies = cookiePolicy(ctx.config.publicUrl);
  const securityEvents = createSecurityEvents(ctx); // issue 12: one stream of security events (table security_event, detectors subscribe)
  const edge = createEdge(ctx); // issue 14: the edge secret (read at start), the WAF heartbeat and ModSecurity's audit log
  const shop = createShopSettings(ctx);
  const bans = createBans(ctx, { events: securityEvents, shop }); // issue 12: detectors and bans every instance enforces (Redis with REDIS_URL, else the database)
  const catalog = createCatalog(ctx);
  const cart = createCart(ctx, { catalog });
  const orders = createOrders(ctx, { catalog, shop });
  const identity = createIdentity(ctx, { cart });
  const integrity = createIntegrity(ctx); // T1: file integrity, CSP reports, the payment-page watcher
  const scripts = new ScriptInventory(ctx); // T6: approved third-party scripts
  const audit = createAudit(ctx, { raiseAlert }); // the hash-chained audit trail, its checkpoints and sink
  const switches = createResponseSwitches(ctx); // issue 13: stop card payments / close the store, on every instance
  const payments = createPayments(ctx, { orders, shop, cardCheckoutAllowed: () => integrity.cardCheckoutAllowed().allowed && !switches.engaged('card_payments_stopped') }); // T1: card checkout only while files verify
  // T2: banned card fingerprints go to the provider's block list, so a banned card is refused on the payment page.
  if (ctx.config.paymentProvider === 'stripe' || ctx.config.sandboxGatewayUrl) bans.onCards((fingerprints) => payments.card.blockCards(fingerprints));
  const checkout = createCheckout(ctx, { cart, orders, shop, catalog, payments });
  const detection = createDetection(ctx); // T5: scheduled card-number scan of the database and DATA_DIR
  scheduleGuardEventRetention(ctx); // T2: refused card-number events are kept GUARD_EVENT_RETENTION_DAYS (90)
  createBackupSchedule(ctx, audit); // scheduled encrypted backups (BACKUP_INTERVAL_HOURS, off by default)
  createRetention(ctx); // T3: daily erasure of personal data past the retention period (off by default)
  const hostCheck = createHostCheck(ctx); // issue 12: listening ports and child processes the store did not open (Linux /proc, every minute)
  const watchdog = createWatchdog(ctx); // issue 12, PCI DSS 10.7.2: a protection that stops running raises an alert (heartbeats, silence check)
  createIncidents(ctx, async () => (await shop.get()).name, encryptedTables); // issue 13: campaign and reset batches (queued jobs)
  createAlertChannels(ctx, bans); // issue 12: alert webhook (ALERT_WEBHOOK_URL, retried through the job queue) and the daily digest
  // issue 15, T1/T3: YARA scan of unsigned files, uploads and stored content; a served file's finding stops card checkout
  const malwareScan = createMalwareScan(ctx, { recordServedFindings: (files) => integrity.recordMalwareFindings(files) });
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
    integrity,
    scripts,
    audit,
    bans,
    securityEvents,
    switches,
    edge,
    watchdog,
    hostCheck,
    malwareScan,
    detection,
    async chrome(req) {
      const owner = cartOwnerOf(req, cookies);
      const [settings, categories, cartCount] = await Promise.all([
        shop.get(),
        catalog.categories(req.locale),
        owner.customerId || owner.tokenHash ? cart.count(owner) : Promise.resolve(0),
      ]);
      // PCI DSS 6.4.3: only approved inventory entries, pinned by SRI, and never on payment pages
      // Issue 13 (T4): an affected customer's account page shows the incident notice the mail quoted.
      const banner = req.customer && req.url.split('?')[0] === '/account' ? await accountNoticeBanner(ctx.db, req.customer.id, req.locale) : '';
      return { shopName: settings.name, categories, cartCount, customerName: req.customer?.name ?? null, thirdPartyScripts: scripts.scriptTags(req), banner };
    },
  };
}

