import type { FastifyRequest } from 'fastify';
import { csvDocument } from '../exports/csv.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import { noticeFor } from './campaign.ts';
import type { Contact } from './contacts.ts';
import { canonicalJson, manifestOf } from './evidence.ts';
import { guardIncidentExport } from './guarded-export.ts';
import { letterCsvColumns, letterCsvRow, letterRecipients, lettersPdf } from './letters.ts';
import { incidentDb } from './tables.ts';

type Staff = { id: number; name: string; role: string };
export interface IncidentFile { filename: string; type: string; body: string | Uint8Array; items: number }

const stamp = () => new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');

/** The incident's files; each one is a guarded export (recorded, audited, owners mailed) before it is made. */
export function incidentFiles(ctx: Pick<AppContext, 'db' | 'vault' | 'config'>, shopName: () => Promise<string>) {
  const db = incidentDb(ctx.db);

  async function letterContacts(incidentId: number, campaignId: number): Promise<Contact[]> {
    const c = await db.selectFrom('incident_campaign').select('incident_id').where('id', '=', campaignId).executeTakeFirst();
    if (!c || c.incident_id !== incidentId) throw new AppError('not_found');
    const out: Contact[] = [];
    for await (const r of letterRecipients(db, ctx.vault, campaignId)) if (r.reachable) out.push(r);
    return out;
  }

  return {
    /** The frozen evidence with each item's hash and the manifest (chain of custody), as JSON. */
    async evidence(incidentId: number, staff: Staff, req?: FastifyRequest): Promise<IncidentFile> {
      const inc = await db.selectFrom('incident').select(['id', 'evidence_manifest_sha256']).where('id', '=', incidentId).executeTakeFirst();
      if (!inc) throw new AppError('not_found');
      const items = await db.selectFrom('incident_evidence').select(['source', 'ref', 'sha256', 'captured_at', 'content']).where('incident_id', '=', incidentId).orderBy('id').execute();
      const guard = await guardIncidentExport(db, ctx.config, { incidentId, kind: 'incident_evidence', rows: items.length, staff, ...(req ? { req } : {}) });
      const manifest = manifestOf(items);
      const body = JSON.stringify({ marking: guard.marking, incident: incidentId, manifest_sha256: inc.evidence_manifest_sha256, manifest_recomputed: manifest.sha256, manifest: manifest.text, items: items.map((i) => ({ ...i, canonical: canonicalJson(i.content) })) }, null, 2);
      return { filename: `omamori-incident${incidentId}-evidence-${stamp()}Z-export${guard.id}.json`, type: 'application/json; charset=utf-8', body, items: items.length };
    },

    async lettersPdf(incidentId: number, campaignId: number, staff: Staff, req?: FastifyRequest): Promise<IncidentFile> {
      const contacts = await letterContacts(incidentId, campaignId);
      const guard = await guardIncidentExport(db, ctx.config, { incidentId, kind: 'incident_letters', rows: contacts.length, staff, ...(req ? { req } : {}) });
      const name = await shopName();
      const body = await lettersPdf(contacts, { shopName: name, shopUrl: ctx.config.publicUrl, notice: await noticeFor(db, incidentId, name), date: new Date() });
      return { filename: `omamori-incident${incidentId}-letters-${stamp()}Z-export${guard.id}.pdf`, type: 'application/pdf', body, items: contacts.length };
    },

    async lettersCsv(incidentId: number, campaignId: number, staff: Staff, req?: FastifyRequest): Promise<IncidentFile> {
      const contacts = await letterContacts(incidentId, campaignId);
      const guard = await guardIncidentExport(db, ctx.config, { incidentId, kind: 'incident_letters', rows: contacts.length, staff, ...(req ? { req } : {}) });
      return { filename: `omamori-incident${incidentId}-letters-${stamp()}Z-export${guard.id}.csv`, type: 'text/csv; charset=utf-8', body: csvDocument([guard.marking], letterCsvColumns, contacts.map(letterCsvRow)), items: contacts.length };
    },
  };
}
