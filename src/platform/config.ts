import { isIP } from 'node:net';
import { validIpOrCidr } from './http/networks.ts';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  // Issue 14: with DATABASE_URL on PgBouncer (transaction pooling), the direct address of PostgreSQL for what needs a
  // session of its own: LISTEN/NOTIFY and the start-up's advisory locks (migrations, initial encryption).
  DATABASE_DIRECT_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // Timeouts and overload (README "Timeouts and overload"): every wait is bounded; a busy store answers 503 + Retry-After.
  // Default 5 s on PostgreSQL, 30 s on the embedded database (one connection: every query queues there).
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  CHECKOUT_LOCK_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(3000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(5000),
  HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  // Monitoring reads /healthz's reasons with `Authorization: Bearer HEALTH_TOKEN` (or from loopback); the public gets ok / not ok.
  HEALTH_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  // Cache refresh intervals (tests make them small to exercise the cold path; issue 18).
  VAULT_KEY_REFRESH_MS: z.coerce.number().int().min(10).max(600_000).default(5000),
  CATALOG_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  REDIS_URL: z.string().url().optional(),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default('omamori store <shop@localhost>'),
  // Issue 17: what `omamori mail dns` prints: the SPF domain of the mail relay (include:) and where DMARC reports go.
  MAIL_SPF_INCLUDE: z.string().regex(/^[A-Za-z0-9._-]{1,253}$/).optional(),
  MAIL_DMARC_RUA: z.string().regex(/^mailto:[^\s;,]{3,254}$/).optional(),
  // Background jobs (mail): a failed job waits JOB_RETRY_BASE_MS · 2^attempts, at most JOB_RETRY_MAX_MS, before its next try.
  JOB_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  JOB_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(600_000),
  SEED_DEMO: z.enum(['auto', '1', '0', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  TRUST_PROXY: bool.default(false),
  // Issue 14 (README "Production"): the reverse proxy + WAF in front proves itself with a secret header read from a file;
  // with EDGE_REQUIRED=1 a request without it is refused (T1: nobody reaches the store around the WAF).
  EDGE_REQUIRED: bool.default(false),
  EDGE_SECRET_FILE: z.string().optional(),
  EDGE_HEADER: z.string().regex(/^x-[a-z0-9-]+$/i, { message: 'must be a header name starting with X-' }).transform((v) => v.toLowerCase()).default('x-omamori-edge'),
  // ModSecurity's JSON audit log (SecAuditLogFormat JSON, serial): its blocks become security events.
  WAF_AUDIT_LOG: z.string().optional(),
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
  // T4: who may reach the admin console. Comma-separated IPs/CIDRs, evaluated on req.ip (TRUST_PROXY aware).
  ADMIN_IP_ALLOWLIST: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every(validIpOrCidr), { message: 'must be comma-separated IP addresses or CIDR ranges' })
    .optional(),
  // T4: serve /admin only on this host name (e.g. admin.example.jp); other hosts get 404.
  ADMIN_HOST: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => /^[a-z0-9.-]+(:\d+)?$/.test(v), { message: 'must be a host name' })
    .optional(),
  // T4: serve /admin only on a listener of its own (e.g. bound to 127.0.0.1 or a VPN address); the public port then answers 404 for /admin.
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ADMIN_BIND: z.string().refine((v) => isIP(v) !== 0 || v === 'localhost', { message: 'must be an IP address (e.g. 127.0.0.1 or a VPN address)' }).default('127.0.0.1'),
  ADMIN_URL: z.string().url().optional(),
  // T1/T5: card payments only through a provider's hosted page. sandbox: the test gateway started beside the store.
  PAYMENT_PROVIDER: z.enum(['sandbox', 'stripe']).default('sandbox'),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, { message: 'must be a Stripe secret key (sk_test_... or sk_live_...)' }).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, { message: 'must be a Stripe webhook signing secret (whsec_...)' }).optional(),
  // T2: refused card-number events (keyed hashes only) are deleted after this many days.
  GUARD_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  SANDBOX_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Behind a reverse proxy or on another host name: the origin a shopper's browser reaches the sandbox gateway at.
  SANDBOX_GATEWAY_PUBLIC_URL: z
    .string()
    .url()
    .refine(isHttpOrigin, { message: 'must be an origin such as https://pay.example.jp (http or https, no path)' })
    .transform((v) => new URL(v).origin)
    .optional(),
  CARD_CAPTURE: z.enum(['automatic', 'manual']).default('automatic'),
  // KOMOJU (コンビニ決済, PayPay, Pay-easy, card): REST with Basic auth on the secret key; webhooks signed with HMAC-SHA256.
  KOMOJU_SECRET_KEY: z.string().regex(/^[A-Za-z0-9_-]{16,}$/, { message: 'must be a KOMOJU secret key (letters, digits, - and _, 16 or more)' }).optional(),
  KOMOJU_WEBHOOK_SECRET: z.string().min(16, { message: 'must be the secret token of the KOMOJU webhook (16 characters or more)' }).optional(),
  KOMOJU_API_URL: z.string().url().refine((v) => v.startsWith('https://') || /^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(v), { message: 'must be an https URL' }).default('https://komoju.com/api/v1'),
  KOMOJU_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Audit trail (PCI DSS 10.2/10.3): signed checkpoints, scheduled verification, JSON-lines copy under DATA_DIR/audit.
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  AUDIT_VERIFY_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  AUDIT_JSONL: bool.default(true),
  // Ed25519 keys as PEM (or base64 DER); when unset, DATA_DIR/keys/audit-ed25519.key (created 0600) and .pub.
  AUDIT_SIGNING_KEY: z.string().optional(),
  AUDIT_PUBLIC_KEY: z.string().optional(),
  // Principle 2 (vault): where the master key lives. Default: env when OMAMORI_MASTER_KEY is set, else the key file.
  MASTER_KEY_PROVIDER: z.enum(['file', 'env', 'vault-transit']).optional(),
  MASTER_KEY_FILE: z.string().optional(),
  // Validated here, never copied into Config (the env provider reads it where it is needed).
  OMAMORI_MASTER_KEY: z.string().refine((v) => Buffer.from(v.trim(), 'base64').length === 32, { message: 'must be 32 bytes, base64-encoded (openssl rand -base64 32)' }).optional(),
  OMAMORI_MASTER_KEY_PREVIOUS: z.string().refine((v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32), { message: 'must be comma-separated 32-byte keys, base64-encoded' }).optional(),
  VAULT_ADDR: z.string().url().optional(),
  VAULT_TRANSIT_KEY: z.string().regex(/^[A-Za-z0-9_-]+$/).default('omamori'),
  VAULT_TRANSIT_MOUNT: z.string().regex(/^[A-Za-z0-9_/-]+$/).default('transit'),
  // Backups (README "Backups"): where `backup create` and the scheduled backup write; 0 hours: no scheduled backup.
  BACKUP_DIR: z.string().optional(),
  BACKUP_INTERVAL_HOURS: z.coerce.number().min(0).max(720).default(0),
  BACKUP_KEEP: z.coerce.number().int().min(1).max(1000).default(7),
  // T3 retention (README "Retention"): 0 = off. Orders are never deleted before the legal 7 years (+ 1 for the fiscal year).
  RETENTION_CUSTOMER_INACTIVE_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  RETENTION_ORDER_DELETE_YEARS: z.coerce.number().int().refine((v) => v === 0 || (v >= 8 && v <= 100), { message: 'must be 0 (keep orders) or 8-100 years (accounting records are kept 7 years after the filing deadline)' }).default(0),
  // T4: bulk export caps; over either one an export becomes a request another owner must approve.
  EXPORT_MAX_ROWS: z.coerce.number().int().min(1).max(50_000).default(1000),
  EXPORT_MAX_PER_DAY: z.coerce.number().int().min(0).max(100).default(3),
  EXPORT_DOWNLOAD_HOURS: z.coerce.number().int().min(1).max(168).default(24),
  // Denial of inventory (issue 10): unpaid orders (awaiting payment) at once per e-mail, customer, cart and client network; 0 turns one off.
  UNPAID_ORDER_LIMIT_PER_EMAIL: z.coerce.number().int().min(0).max(1000).default(3),
  UNPAID_ORDER_LIMIT_PER_CUSTOMER: z.coerce.number().int().min(0).max(1000).default(3),
  UNPAID_ORDER_LIMIT_PER_CART: z.coerce.number().int().min(0).max(1000).default(3),
  UNPAID_ORDER_LIMIT_PER_NETWORK: z.coerce.number().int().min(0).max(10_000).default(5),
  UNPAID_ORDER_NETWORK_WINDOW_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  UNPAID_ORDER_LIMIT_EXEMPT_NETWORKS: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every(validIpOrCidr), { message: 'must be comma-separated IP addresses or CIDR ranges' })
    .optional(),
});

/** Where staff reach the admin listener when ADMIN_URL is not given: plain HTTP on its address (localhost for loopback or any-address). */
function defaultAdminUrl(bind: string, port: number): string {
  const local = ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(bind);
  const host = local ? 'localhost' : isIP(bind) === 6 ? `[${bind}]` : bind;
  return `http://${host}:${port}`;
}

function isHttpOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.pathname === '/' && !u.search && !u.hash && !u.username;
  } catch {
    return false;
  }
}

export type Config = {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL itself when databaseUrl is a transaction-mode pooler (PgBouncer): LISTEN and session advisory locks. */
  databaseDirectUrl?: string;
  databasePoolSize: number;
  /** Timeouts (ms; README "Timeouts and overload"); 0 turns statement/idle-in-transaction/request timeouts off. */
  dbAcquireTimeoutMs: number;
  dbStatementTimeoutMs: number;
  dbIdleInTransactionTimeoutMs: number;
  checkoutLockTimeoutMs: number;
  httpRequestTimeoutMs: number;
  httpHeadersTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  /** How long /healthz and /readyz wait for a pool connection and `select 1` before answering 503. */
  healthTimeoutMs: number;
  /** Bearer token that lets monitoring read /healthz's details (loopback clients read them without). */
  healthToken: string | undefined;
  /** How often each instance re-reads the vault's key states (a rotation waits twice this before retiring a key). */
  vaultKeyRefreshMs: number;
  /** The catalog cache's time limit (a backstop: changes clear it at once through NOTIFY). */
  catalogCacheTtlMs: number;
  /** SIGTERM: how long in-flight requests may finish before the store closes anyway (and the process exits). */
  shutdownGraceMs: number;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailSpfInclude: string | undefined;
  mailDmarcRua: string | undefined;
  /** Job retry backoff (ms): base · 2^attempts, capped. */
  jobRetryBaseMs: number;
  jobRetryMaxMs: number;
  seedDemo: boolean;
  logLevel: string;
  production: boolean;
  trustProxy: boolean;
  uploadMaxBytes: number;
  /** Issue 14: refuse requests that did not come through the proxy (the secret header); the header and its secret's file. */
  edgeRequired: boolean;
  edgeSecretFile: string | undefined;
  edgeHeader: string;
  /** ModSecurity's JSON audit log, read into the security events; unset: not read. */
  wafAuditLog: string | undefined;
  /** IPs/CIDRs allowed to reach /admin; empty: no restriction. */
  adminIpAllowlist: string[];
  /** When set, /admin answers only on this host name (lower case, optional :port). */
  adminHost: string | undefined;
  /** When set, the admin console has a listener of its own on this port (and address), and the public port has no /admin. */
  adminPort: number | undefined;
  adminBind: string;
  /** The console's origin on that listener (cookies, CSRF check, setup link); set with adminPort. */
  adminUrl: string | undefined;
  /** Card payments: the sandbox gateway (test cards only) or Stripe. */
  paymentProvider: 'sandbox' | 'stripe';
  stripeSecretKey: string;
  stripeWebhookSecret: string;
  /** Days a refused card-number event (guard_event) is kept. */
  guardEventRetentionDays: number;
  /** The sandbox gateway's port (0: any free port). */
  sandboxGatewayPort: number;
  /** The sandbox gateway's URL, set when boot starts it. */
  sandboxGatewayUrl: string | undefined;
  /** The origin browsers reach the sandbox gateway at (redirects, CSP form-action); unset: its own URL. */
  sandboxGatewayPublicUrl: string | undefined;
  /** automatic: charged at payment; manual: authorized at payment, captured from the order page. */
  cardCapture: 'automatic' | 'manual';
  /** KOMOJU's API base (https://komoju.com/api/v1, or the KOMOJU sandbox's when boot starts it); unset: KOMOJU not configured. */
  komojuApiUrl: string | undefined;
  /** The origin of KOMOJU's hosted pages (CSP form-action). */
  komojuHostedOrigin: string | undefined;
  komojuSecretKey: string | undefined;
  komojuWebhookSecret: string;
  /** The KOMOJU sandbox's port (0: any free port), with PAYMENT_PROVIDER=sandbox. */
  komojuSandboxPort: number;
  /** Audit trail: minutes between signed checkpoints, and between scheduled verifications. */
  auditCheckpointMinutes: number;
  auditVerifyMinutes: number;
  /** Whether entries are also appended to DATA_DIR/audit/audit-YYYY-MM-DD.jsonl (one writer per DATA_DIR). */
  auditJsonl: boolean;
  /** Ed25519 checkpoint keys from the environment (PEM or base64 DER); otherwise the key files in DATA_DIR/keys. */
  auditSigningKey: string | undefined;
  auditPublicKey: string | undefined;
  /** Vault: where the master key (KEK) comes from (README, "Field encryption"). */
  keyProvider: 'file' | 'env' | 'vault-transit';
  /** The master key file (key file provider): DATA_DIR/keys/master.key unless MASTER_KEY_FILE is set. */
  masterKeyFile: string;
  /** Vault transit (KMS provider): address, key name and mount; the token is read from VAULT_TOKEN when used. */
  vaultAddr: string | undefined;
  vaultTransitKey: string;
  vaultTransitMount: string;
  /** Backups: output folder (DATA_DIR/backups unless BACKUP_DIR), hours between scheduled backups (0: none), how many to keep. */
  backupDir: string;
  backupIntervalHours: number;
  backupKeep: number;
  /** Retention (T3): days without activity before a customer's personal data is erased (0: off); order deletion age in years (0: never). */
  retentionCustomerInactiveDays: number;
  retentionOrderDeleteYears: number;
  /** Bulk export (T4): rows per export and exports per staff member per 24 h before an owner must approve; hours an approved export stays downloadable. */
  exportMaxRows: number;
  exportMaxPerDay: number;
  exportDownloadHours: number;
  /** Issue 10: limits on unpaid orders (0: that limit off); README "Unpaid-order limits". */
  unpaidOrderLimits: UnpaidOrderLimits;
};

export interface UnpaidOrderLimits {
  perEmail: number;
  perCustomer: number;
  perCart: number;
  /** per client network (IPv4 address, IPv6 /64) among orders placed in the last `networkWindowHours` */
  perNetwork: number;
  networkWindowHours: number;
  /** IPs/CIDRs the per-network limit does not count (a shop's own office, a load test) */
  exemptNetworks: string[];
}

/** Reads configuration from the environment; an invalid value stops the start with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  // An empty variable means "not set", as shells and .env files commonly write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.PAYMENT_PROVIDER === 'stripe' && (!e.STRIPE_SECRET_KEY || !e.STRIPE_WEBHOOK_SECRET)) {
    throw new Error('Invalid configuration:\n  PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
  }
  // The sandbox accepts test cards only: an order "paid" there was never paid, so it has no place in production.
  if (e.PAYMENT_PROVIDER === 'sandbox' && e.NODE_ENV === 'production') {
    throw new Error('Invalid configuration:\n  PAYMENT_PROVIDER=sandbox accepts test cards only; set PAYMENT_PROVIDER=stripe in production');
  }
  if (e.EDGE_REQUIRED && !e.EDGE_SECRET_FILE) throw new Error('Invalid configuration:\n  EDGE_REQUIRED=1 needs EDGE_SECRET_FILE (the file holding the secret the proxy sends)');
  const keyProvider = e.MASTER_KEY_PROVIDER ?? (e.OMAMORI_MASTER_KEY ? 'env' : 'file');
  if (keyProvider === 'env' && !e.OMAMORI_MASTER_KEY) throw new Error('Invalid configuration:\n  MASTER_KEY_PROVIDER=env needs OMAMORI_MASTER_KEY');
  if (keyProvider === 'vault-transit' && (!e.VAULT_ADDR || !env.VAULT_TOKEN)) throw new Error('Invalid configuration:\n  MASTER_KEY_PROVIDER=vault-transit needs VAULT_ADDR and VAULT_TOKEN');
  const seed = e.SEED_DEMO === 'auto' ? !e.DATABASE_URL : e.SEED_DEMO === '1' || e.SEED_DEMO === 'true';
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dbAcquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS ?? (e.DATABASE_URL ? 5000 : 30_000),
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    dbIdleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    checkoutLockTimeoutMs: e.CHECKOUT_LOCK_TIMEOUT_MS,
    httpRequestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    httpHeadersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: e.HTTP_KEEPALIVE_TIMEOUT_MS,
    healthTimeoutMs: e.HEALTH_TIMEOUT_MS,
    healthToken: e.HEALTH_TOKEN,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    vaultKeyRefreshMs: e.VAULT_KEY_REFRESH_MS,
    catalogCacheTtlMs: e.CATALOG_CACHE_TTL_MS,
    redisUrl: e.REDIS_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailSpfInclude: e.MAIL_SPF_INCLUDE,
    mailDmarcRua: e.MAIL_DMARC_RUA,
    jobRetryBaseMs: e.JOB_RETRY_BASE_MS,
    jobRetryMaxMs: e.JOB_RETRY_MAX_MS,
    seedDemo: seed,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
    trustProxy: e.TRUST_PROXY,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    edgeRequired: e.EDGE_REQUIRED,
    edgeSecretFile: e.EDGE_SECRET_FILE === undefined ? undefined : resolve(e.EDGE_SECRET_FILE),
    edgeHeader: e.EDGE_HEADER,
    wafAuditLog: e.WAF_AUDIT_LOG === undefined ? undefined : resolve(e.WAF_AUDIT_LOG),
    adminIpAllowlist: e.ADMIN_IP_ALLOWLIST ?? [],
    adminHost: e.ADMIN_HOST,
    adminPort: e.ADMIN_PORT,
    adminBind: e.ADMIN_BIND,
    adminUrl: e.ADMIN_PORT === undefined ? undefined : (e.ADMIN_URL ?? defaultAdminUrl(e.ADMIN_BIND, e.ADMIN_PORT)).replace(/\/$/, ''),
    paymentProvider: e.PAYMENT_PROVIDER,
    // The sandbox makes up its own keys per start unless given.
    stripeSecretKey: e.STRIPE_SECRET_KEY ?? `sk_test_sandbox${randomBytes(12).toString('hex')}`,
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET ?? `whsec_sandbox${randomBytes(16).toString('hex')}`,
    guardEventRetentionDays: e.GUARD_EVENT_RETENTION_DAYS,
    sandboxGatewayPort: e.SANDBOX_GATEWAY_PORT ?? (e.PORT === 0 ? 0 : e.PORT + 1000),
    sandboxGatewayUrl: undefined,
    sandboxGatewayPublicUrl: e.SANDBOX_GATEWAY_PUBLIC_URL,
    cardCapture: e.CARD_CAPTURE,
    // With PAYMENT_PROVIDER=sandbox the KOMOJU sandbox is started beside the store (boot sets its URL) unless real keys are given.
    komojuApiUrl: e.KOMOJU_SECRET_KEY ? e.KOMOJU_API_URL.replace(/\/$/, '') : undefined,
    komojuHostedOrigin: e.KOMOJU_SECRET_KEY ? 'https://komoju.com' : undefined,
    komojuSecretKey: e.KOMOJU_SECRET_KEY ?? (e.PAYMENT_PROVIDER === 'sandbox' ? `sk_test_sandbox${randomBytes(12).toString('hex')}` : undefined),
    komojuWebhookSecret: e.KOMOJU_WEBHOOK_SECRET ?? randomBytes(24).toString('hex'),
    // PORT+2000, not PORT+1001: instances on consecutive ports (3101, 3102, ...) would put one's KOMOJU sandbox on the
    // next one's Stripe sandbox (PORT+1000).
    komojuSandboxPort: e.KOMOJU_SANDBOX_PORT ?? (e.PORT === 0 ? 0 : e.PORT + 2000),
    auditCheckpointMinutes: e.AUDIT_CHECKPOINT_MINUTES,
    auditVerifyMinutes: e.AUDIT_VERIFY_MINUTES,
    auditJsonl: e.AUDIT_JSONL,
    auditSigningKey: e.AUDIT_SIGNING_KEY,
    auditPublicKey: e.AUDIT_PUBLIC_KEY,
    keyProvider,
    masterKeyFile: resolve(e.MASTER_KEY_FILE ?? `${e.DATA_DIR}/keys/master.key`),
    vaultAddr: e.VAULT_ADDR,
    vaultTransitKey: e.VAULT_TRANSIT_KEY,
    vaultTransitMount: e.VAULT_TRANSIT_MOUNT,
    backupDir: resolve(e.BACKUP_DIR ?? `${e.DATA_DIR}/backups`),
    backupIntervalHours: e.BACKUP_INTERVAL_HOURS,
    backupKeep: e.BACKUP_KEEP,
    retentionCustomerInactiveDays: e.RETENTION_CUSTOMER_INACTIVE_DAYS,
    retentionOrderDeleteYears: e.RETENTION_ORDER_DELETE_YEARS,
    exportMaxRows: e.EXPORT_MAX_ROWS,
    exportMaxPerDay: e.EXPORT_MAX_PER_DAY,
    exportDownloadHours: e.EXPORT_DOWNLOAD_HOURS,
    unpaidOrderLimits: {
      perEmail: e.UNPAID_ORDER_LIMIT_PER_EMAIL,
      perCustomer: e.UNPAID_ORDER_LIMIT_PER_CUSTOMER,
      perCart: e.UNPAID_ORDER_LIMIT_PER_CART,
      perNetwork: e.UNPAID_ORDER_LIMIT_PER_NETWORK,
      networkWindowHours: e.UNPAID_ORDER_NETWORK_WINDOW_HOURS,
      exemptNetworks: e.UNPAID_ORDER_LIMIT_EXEMPT_NETWORKS ?? [],
    },
    ...overrides,
  };
  return config;
}

/** Where the admin console is reached (links in mails, the setup link): with ADMIN_PORT its own address, not the shop's. */
export function adminBaseUrl(config: Pick<Config, 'adminUrl' | 'publicUrl'>): string {
  return config.adminUrl ?? config.publicUrl;
}
