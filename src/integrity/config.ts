import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from '../platform/config.ts';
import { projectRoot } from '../platform/paths.ts';

/**
 * What the deployed tree is: everything the running store loads or serves. Tests beside the code
 * (src/**\/*.test.ts) are included: they are in the tree, and a file nobody is meant to change is
 * exactly where a web shell hides. node_modules is included: attackers patch dependencies too, and
 * verifying it is fast (see bench/integrity.ts). Not included: DATA_DIR (database, uploads,
 * keys; mutable by design), docs, bench, the top-level test/ folder and .git (never loaded by the store).
 */
export const defaultScope = ['src', 'sandbox-gateway', 'komoju-sandbox', 'static', 'dist', 'bin', 'scripts', 'node_modules', 'package.json', 'package-lock.json', 'tsconfig.json'];

const envSchema = z.object({
  INTEGRITY_ROOT: z.string().optional(),
  INTEGRITY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  INTEGRITY_FULL_HASH_EVERY: z.coerce.number().int().min(1).max(100_000).default(60),
  INTEGRITY_PATHS: z.string().optional(),
  INTEGRITY_PUBLIC_KEY: z.string().optional(),
  INTEGRITY_SIGNING_KEY: z.string().optional(),
  INTEGRITY_PAGE_WATCH_SECONDS: z.coerce.number().int().min(1).max(7 * 86_400).default(300),
  INTEGRITY_PAGE_WATCH_BROWSER: z.enum(['http', 'chromium']).default('http'),
  INTEGRITY_PAGE_WATCH_URL: z.url({ protocol: /^https?$/ }).optional(),
  INTEGRITY_KEEP_OTHER_PAYMENTS: z.enum(['0', '1']).default('1'),
  INTEGRITY_CSP_FINDING_MIN_CLIENTS: z.coerce.number().int().min(1).max(1000).default(3),
  INTEGRITY_WATCH: z.enum(['0', '1']).default('1'),
  INTEGRITY_WATCH_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(300),
});

export interface IntegrityConfig {
  /** The folder whose files are verified (the project root; tests point it at a copy). */
  root: string;
  /** Seconds between verification rounds. */
  intervalSeconds: number;
  /** Every Nth round hashes every file, not only those whose size, mtime, ctime or inode changed. */
  fullHashEvery: number;
  /** Paths under root (folders or files) that a new baseline covers. */
  scope: string[];
  manifestPath: string;
  signaturePath: string;
  privateKeyPath: string;
  publicKeyPath: string;
  /** PEM (or base64 DER) from the environment; overrides the key files. */
  publicKeyPem?: string;
  privateKeyPem?: string;
  /** The payment-page watcher (PCI DSS 11.6.1). */
  pageWatch: {
    intervalSeconds: number;
    /** `http`: fetch as a shopper would; `chromium`: render in headless Chromium (scripts run). */
    browser: 'http' | 'chromium';
    chromiumPath: string;
    /** Where the watcher fetches the pages (default: the address the store listens on). */
    url?: string;
  };
  /** Whether bank transfer and cash on delivery stay on while card checkout is off for an integrity finding. */
  keepOtherPaymentsOnFinding: boolean;
  /**
   * How many distinct client networks (IPv4 /24, IPv6 /48) must report the same blocked origin on payment
   * pages within 24 hours before the reports alone stop card checkout (below that, they trigger a page-watch round).
   */
  cspFindingMinClients: number;
  /** Watch the tree for changes (fs.watch) and verify a changed file at once, between the periodic rounds. */
  watch: boolean;
  /** Quiet time after a change before the changed files are verified (a deploy writes many at once). */
  watchDebounceMs: number;
}

/** Reads the integrity settings from the environment (INTEGRITY_*); an invalid value stops the start. */
export function integrityConfig(config: Pick<Config, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): IntegrityConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('INTEGRITY_') && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const e = parsed.data;
  const keys = join(config.dataDir, 'keys');
  return {
    root: e.INTEGRITY_ROOT ?? projectRoot,
    intervalSeconds: e.INTEGRITY_INTERVAL_SECONDS,
    fullHashEvery: e.INTEGRITY_FULL_HASH_EVERY,
    scope: e.INTEGRITY_PATHS ? e.INTEGRITY_PATHS.split(',').map((p) => p.trim()).filter(Boolean) : defaultScope,
    manifestPath: join(config.dataDir, 'integrity', 'manifest.json'),
    signaturePath: join(config.dataDir, 'integrity', 'manifest.json.sig'),
    privateKeyPath: join(keys, 'integrity-ed25519.key'),
    publicKeyPath: join(keys, 'integrity-ed25519.pub'),
    publicKeyPem: e.INTEGRITY_PUBLIC_KEY,
    privateKeyPem: e.INTEGRITY_SIGNING_KEY,
    pageWatch: { intervalSeconds: e.INTEGRITY_PAGE_WATCH_SECONDS, browser: e.INTEGRITY_PAGE_WATCH_BROWSER, chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium', url: e.INTEGRITY_PAGE_WATCH_URL },
    keepOtherPaymentsOnFinding: e.INTEGRITY_KEEP_OTHER_PAYMENTS === '1',
    cspFindingMinClients: e.INTEGRITY_CSP_FINDING_MIN_CLIENTS,
    watch: e.INTEGRITY_WATCH === '1',
    watchDebounceMs: e.INTEGRITY_WATCH_DEBOUNCE_MS,
  };
}
