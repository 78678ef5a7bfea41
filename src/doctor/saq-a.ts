import { sql } from 'kysely';
import { integrityConfig } from '../integrity/config.ts';
import { loadManifest } from '../integrity/files/manifest.ts';
import { hostedPageOrigin } from '../payments/card/provider.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db/database.ts';
import { lastMalwareScan } from '../malware-scan/service.ts';

/**
 * The PCI DSS SAQ A evidence pack (issue 15), one JSON download: how card data is taken (the hosted-payment redirect),
 * the payment-page script inventory (6.4.3), the payment-page monitoring records (11.6.1), the file-integrity records
 * (11.5.2), and the last scans. Locations, hashes, counts and times only: no personal data, no card data.
 */
export async function saqAEvidence(config: Config, db: Db, now = new Date()) {
  const icfg = integrityConfig(config);
  const loaded = loadManifest(icfg);
  const scripts = await sql<{ id: number; url: string; sha384: string; pages: string; owner: string; justification: string; added_at: Date; approved_at: Date | null; removed_at: Date | null }>`select id, url, sha384, pages, owner, justification, added_at, approved_at, removed_at from script_inventory order by id`.execute(db);
  const baselines = await sql<{ id: number; digest: string; source: string; approved_by: number | null; created_at: Date }>`select id, digest, source, approved_by, created_at from page_baseline order by id desc limit 100`.execute(db);
  const findings = await sql<{ id: number; kind: string; path: string; first_seen_at: Date; acknowledged_at: Date | null; acknowledgement_note: string | null }>`select id, kind, path, first_seen_at, acknowledged_at, acknowledgement_note from integrity_finding where first_seen_at > ${new Date(now.getTime() - 366 * 86_400_000)} order by id desc limit 1000`.execute(db);
  const pan = await sql<{ started_at: Date; status: string }>`select started_at, status from pan_scan_run order by id desc limit 30`.execute(db);
  const malware = await lastMalwareScan(db);
  return {
    format: 'omamori-saq-a-evidence/1',
    generatedAt: now.toISOString(),
    store: config.publicUrl,
    paymentPage: {
      method: 'redirect to the payment provider’s hosted page (the store never receives card data; SAQ A eligibility)',
      provider: config.paymentProvider,
      hostedOrigin: hostedPageOrigin(config),
      cardGuard: 'every request screened for card numbers before any handler (refused, never stored)',
    },
    scriptInventory: scripts.rows,
    paymentPageMonitoring: { baselines: baselines.rows, findings: findings.rows.filter((f) => f.kind === 'page_changed' || f.kind === 'csp_violation') },
    fileIntegrity: {
      manifest: loaded.status === 'ok' ? { createdAt: loaded.manifest.createdAt, files: Object.keys(loaded.manifest.files).length, scope: loaded.manifest.scope, signature: 'Ed25519, verified' } : { status: loaded.status },
      intervalSeconds: icfg.intervalSeconds,
      findings: findings.rows.filter((f) => f.kind !== 'page_changed' && f.kind !== 'csp_violation'),
    },
    cardNumberScans: pan.rows,
    malwareScan: malware ? { at: malware.at, files: malware.files, vouched: malware.vouched, scanned: malware.scanned, stored: malware.stored, findings: malware.findings.length } : null,
  };
}
