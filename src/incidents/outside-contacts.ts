import type { IncidentDb, ContactKind } from './tables.ts';
import { contactKinds } from './tables.ts';
import { addEvent } from './timeline.ts';

export interface OutsideContactInput {
  kind: ContactKind;
  organisation: string;
  person: string;
  phone: string;
  reference: string;
  note: string;
}

/** The form: who to call (police, card companies, the payment provider, the PPC); field name -> message key. */
export function parseOutsideContact(v: Record<string, string | undefined>): { values?: OutsideContactInput; errors: Record<string, 'errChoice' | 'errOrganisation' | 'errTooLong'> } {
  const errors: Record<string, 'errChoice' | 'errOrganisation' | 'errTooLong'> = {};
  const kind = (contactKinds as readonly string[]).includes(v.kind ?? '') ? (v.kind as ContactKind) : undefined;
  if (!kind) errors.kind = 'errChoice';
  const clean = (k: string, max: number) => {
    const s = (v[k] ?? '').normalize('NFKC').trim();
    if (s.length > max) errors[k] = 'errTooLong';
    return s;
  };
  const organisation = clean('organisation', 200);
  if (!organisation) errors.organisation = 'errOrganisation';
  const values = { kind: kind!, organisation, person: clean('person', 200), phone: clean('phone', 40), reference: clean('reference', 200), note: clean('note', 2000) };
  return Object.keys(errors).length ? { errors } : { values, errors };
}

export async function addOutsideContact(db: IncidentDb, incidentId: number, input: OutsideContactInput, staffId: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx.insertInto('incident_contact').values({ incident_id: incidentId, ...input, created_by: staffId }).returning('id').executeTakeFirstOrThrow();
    await addEvent(trx, incidentId, staffId, 'contact_added', { contact_id: id, kind: input.kind, organisation: input.organisation });
    return id;
  });
}

/** Records that the contact was made (the police report filed, the card company told): a timestamped step. */
export async function markContacted(db: IncidentDb, incidentId: number, contactId: number, staffId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('incident_contact').set({ contacted_at: new Date() }).where('id', '=', contactId).where('incident_id', '=', incidentId).where('contacted_at', 'is', null).returning(['kind', 'organisation']).executeTakeFirst();
    if (!row) return false;
    await addEvent(trx, incidentId, staffId, 'contact_made', { contact_id: contactId, kind: row.kind, organisation: row.organisation });
    return true;
  });
}

export async function outsideContactsOf(db: IncidentDb, incidentId: number) {
  return db.selectFrom('incident_contact').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
}
