import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CartService } from './cart/service.ts';
import type { CatalogService } from './catalog/service.ts';
import type { CheckoutService } from './checkout/service.ts';
import type { IdentityService } from './identity/service.ts';
import type { OrdersService } from './orders/service.ts';
import type { PaymentsService } from './payments/service.ts';
import type { AppContext } from './platform/context.ts';
import type { CookiePolicy } from './platform/http/cookies.ts';
import type { ShopSettingsService } from './settings/settings.ts';
import type { AuditService } from './audit/service.ts';
import type { IntegrityService } from './integrity/service.ts';
import type { ScriptInventory } from './integrity/scripts/script-inventory.ts';
import type { StoreChrome } from './storefront/layout.ts';
import type { MalwareScanService } from './malware-scan/service.ts';
import type { DetectionService } from './detection/service.ts';
import type { BanService } from './bans/service.ts';
import type { SecurityEventStream } from './platform/security/event-stream.ts';
import type { ResponseSwitches } from './platform/switches.ts';
import type { Edge } from './edge/service.ts';
import type { Watchdog } from './watchdog/service.ts';
import type { HostCheck } from './watchdog/host-check.ts';

/** The domain services, built once in src/app/services.ts and handed to every route module. */
export interface Services {
  ctx: AppContext;
  cookies: CookiePolicy;
  shop: ShopSettingsService;
  catalog: CatalogService;
  cart: CartService;
  orders: OrdersService;
  identity: IdentityService;
  checkout: CheckoutService;
  payments: PaymentsService;
  /** Long-lived services: created in createServices, started and stopped by boot (src/app/boot.ts), never by routes. */
  integrity: IntegrityService;
  scripts: ScriptInventory;
  audit: AuditService;
  /** Issue 12: bans every instance enforces, and their detectors. */
  bans: BanService;
  /** Issue 12: the one stream of security events (emitters, detectors, the security_event table). */
  securityEvents: SecurityEventStream;
  /** Issue 13: stop card payments / close the store, on every instance. */
  switches: ResponseSwitches;
  /** Issue 14: the edge secret and the WAF heartbeat. */
  edge: Edge;
  /** Issue 12: heartbeats and the silence check; the host check of ports and child processes. */
  watchdog: Watchdog;
  hostCheck: HostCheck;
  /** Issue 15: the web-shell and skimmer scan (YARA). */
  malwareScan: MalwareScanService;
  /** T5: the card-number scan (its schedule, and a scan now for drills). */
  detection: DetectionService;
  /** The storefront frame (shop name, categories, cart count, who is signed in) for a request. */
  chrome(req: FastifyRequest): Promise<StoreChrome>;
}

/** A domain's routes for one context (storefront, admin or API). */
export type RouteModule = (app: FastifyInstance, services: Services) => void;
