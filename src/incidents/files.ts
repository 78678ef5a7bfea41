import type { FastifyRequest } from 'fastify';
import { csvDocument, type CsvValue } from '../exports/csv.ts';
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

    /**
     * For the card companies and the payment provider: every card payment of the scope's window (order number,
     * brand, last 4, the provider's payment id, date). References only; the store never holds a card number (T5).
     */
    async cardList(incidentId: number, staff: Staff, req?: FastifyRequest): Promise<IncidentFile> {
      const scope = await db.selectFrom('incident_scope').select(['criteria']).where('incident_id', '=', incidentId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (!scope) throw new AppError('not_found');
      const from = new Date(`${scope.criteria.from}T00:00:00+09:00`);
      const to = new Date(new Date(`${scope.criteria.to}T00:00:00+09:00`).getTime() + 86_400_000);
      const rows: CsvValue[][] = [];
      for (let after = 0; ; ) {
        const page = await db
          .selectFrom('card_payment as p')
          .innerJoin('orders as o', 'o.id', 'p.order_id')
          .select(['p.id', 'p.order_number', 'p.card_brand', 'p.card_last4', 'p.payment_intent_id', 'p.status', 'p.amount', 'p.created_at'])
          .where('o.placed_at', '>=', from)
          .where('o.placed_at', '<', to)
          .where('p.id', '>', after)
          .orderBy('p.id')
          .limit(5_000)
          .execute();
        for (const r of page) rows.push([r.order_number, r.card_brand, r.card_last4, r.payment_intent_id, r.status, r.amount, r.created_at]);
        if (page.length < 5_000) break;
        after = page[page.length - 1]!.id;
      }
      const guard = await guardIncidentExport(db, ctx.config, { incidentId, kind: 'incident_report', rows: rows.length, staff, ...(req ? { req } : {}) });
      return { filename: `omamori-incident${incidentId}-card-payments-${stamp()}Z-export${guard.id}.csv`, type: 'text/csv; charset=utf-8', body: csvDocument([guard.marking], ['order_number', 'card_brand', 'card_last4', 'payment_id', 'status', 'amount_yen', 'paid_at'], rows), items: rows.length };
    },

    async lettersCsv(incidentId: number, campaignId: number, staff: Staff, req?: FastifyRequest): Promise<IncidentFile> {
      const contacts = await letterContacts(incidentId, campaignId);
      const guard = await guardIncidentExport(db, ctx.config, { incidentId, kind: 'incident_letters', rows: contacts.length, staff, ...(req ? { req } : {}) });
      return { filename: `omamori-incident${incidentId}-letters-${stamp()}Z-export${guard.id}.csv`, type: 'text/csv; charset=utf-8', body: csvDocument([guard.marking], letterCsvColumns, contacts.map(letterCsvRow)), items: contacts.length };
    },
  };
}
