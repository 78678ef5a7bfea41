import { createHash } from 'node:crypto';
import type { IncidentDb } from './tables.ts';

/** At most this many items per source (a flood of events must not stall the declaration; the count says so). */
const perSource = 2_000;

export interface EvidenceItem {
  source: string;
  ref: string;
  content: unknown;
}

/** Key order fixed, so the same row always gives the same bytes and the same hash. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The manifest: one line per item (source, ref, hash) in capture order; its hash seals the set (chain of custody). */
export function manifestOf(items: Array<{ source: string; ref: string; sha256: string }>): { text: string; sha256: string } {
  const text = items.map((i) => `${i.source}\t${i.ref}\t${i.sha256}\n`).join('');
  return { text, sha256: sha256(text) };
}

/** What was known in the window: security events, alerts, integrity and page-watch findings, CSP reports, audit entries. */
export async function collectEvidence(db: IncidentDb, from: Date, to: Date, alertId: number | null): Promise<EvidenceItem[]> {
  const [alerts, events, findings, csp, audit] = await Promise.all([
    db.selectFrom('alert').selectAll().where((eb) => eb.or([eb.and([eb('last_seen_at', '>=', from), eb('created_at', '<=', to)]), ...(alertId ? [eb('id', '=', alertId)] : [])])).orderBy('id').limit(perSource).execute(),
    db.selectFrom('security_event').selectAll().where('at', '>=', from).where('at', '<=', to).orderBy('id').limit(perSource).execute(),
    db.selectFrom('integrity_finding').selectAll().where('last_seen_at', '>=', from).orderBy('id').limit(perSource).execute(),
    db.selectFrom('csp_report').selectAll().where('last_seen_at', '>=', from).orderBy('id').limit(perSource).execute(),
    db.selectFrom('audit_entry').select(['seq', 'at', 'actor_type', 'actor_id', 'actor_role', 'action', 'object_type', 'object_id', 'result', 'detail', 'hash']).where('at', '>=', from).where('at', '<=', to).orderBy('seq').limit(perSource).execute(),
  ]);
  return [
    ...alerts.map((r) => ({ source: 'alert', ref: String(r.id), content: r })),
    ...events.map((r) => ({ source: 'security_event', ref: String(r.id), content: r })),
    ...findings.map((r) => ({ source: r.kind === 'page_changed' ? 'page_watch' : 'integrity_finding', ref: String(r.id), content: r })),
    ...csp.map((r) => ({ source: 'csp_report', ref: String(r.id), content: r })),
    ...audit.map((r) => ({ source: 'audit_entry', ref: String(r.seq), content: { ...r, seq: Number(r.seq) } })),
  ];
}

/** Freezes the evidence in the declaring transaction: each item with its SHA-256, and the manifest hash on the case. */
export async function freezeEvidence(trx: IncidentDb, incidentId: number, items: EvidenceItem[]): Promise<{ count: number; manifest: string }> {
  const hashed = items.map((i) => {
    const text = canonicalJson(i.content);
    return { ...i, text, sha256: sha256(text) };
  });
  for (let i = 0; i < hashed.length; i += 500) {
    const chunk = hashed.slice(i, i + 500);
    await trx.insertInto('incident_evidence').values(chunk.map((h) => ({ incident_id: incidentId, source: h.source, ref: h.ref, content: h.text, sha256: h.sha256 }))).execute();
  }
  const manifest = manifestOf(hashed);
  await trx.updateTable('incident').set({ evidence_manifest_sha256: manifest.sha256 }).where('id', '=', incidentId).execute();
  return { count: hashed.length, manifest: manifest.sha256 };
}

/** Re-hashes the stored items: any change after the freeze shows as a mismatch. */
export async function verifyEvidence(db: IncidentDb, incidentId: number): Promise<{ items: number; ok: boolean; manifest: string; expected: string | null }> {
  const rows = await db.selectFrom('incident_evidence').select(['source', 'ref', 'content', 'sha256']).where('incident_id', '=', incidentId).orderBy('id').execute();
  const inc = await db.selectFrom('incident').select('evidence_manifest_sha256').where('id', '=', incidentId).executeTakeFirst();
  const itemsOk = rows.every((r) => sha256(canonicalJson(r.content)) === r.sha256);
  const manifest = manifestOf(rows).sha256;
  return { items: rows.length, ok: itemsOk && manifest === (inc?.evidence_manifest_sha256 ?? null), manifest, expected: inc?.evidence_manifest_sha256 ?? null };
}
