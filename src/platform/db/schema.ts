import type { AlertTables } from '../../alerts/tables.ts';
import type { AuditTables } from '../../audit/tables.ts';
import type { CartTables } from '../../cart/tables.ts';
import type { CatalogTables } from '../../catalog/tables.ts';
import type { CheckoutTables } from '../../checkout/tables.ts';
import type { DetectionTables } from '../../detection/tables.ts';
import type { ExportTables } from '../../exports/tables.ts';
import type { FulfilmentTables } from '../../fulfilment/tables.ts';
import type { IdentityTables } from '../../identity/tables.ts';
import type { IntegrityTables } from '../../integrity/tables.ts';
import type { OrderTables } from '../../orders/tables.ts';
import type { PaymentTables } from '../../payments/tables.ts';
import type { ShopTables } from '../../settings/tables.ts';
import type { PlatformTables } from '../tables.ts';
import type { VaultTables } from '../../vault/tables.ts';
import type { SecurityEventTables } from '../../security-events/tables.ts';
import type { BanTables } from '../../bans/tables.ts';
import type { WatchdogTables } from '../../watchdog/tables.ts';
import type { CatalogCsvTables } from '../../catalog-csv/tables.ts';
import type { CouponTables } from '../../coupons/tables.ts';

/** The whole database as Kysely sees it: each domain declares its own tables beside its migrations. */
export interface Database extends PlatformTables, ShopTables, CatalogTables, IdentityTables, CartTables, OrderTables, CheckoutTables, AlertTables, IntegrityTables, DetectionTables, PaymentTables, VaultTables, AuditTables, ExportTables, SecurityEventTables, BanTables, WatchdogTables, FulfilmentTables, CatalogCsvTables, CouponTables {}
