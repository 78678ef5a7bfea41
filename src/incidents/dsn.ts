import PostalMime from 'postal-mime';
import { sql } from 'kysely';
import type { Vault } from '../vault/index.ts';
import type { IncidentDb } from './tables.ts';
import { addEvent } from './timeline.ts';

/** One delivery-status report (RFC 3464) as read from a returned mail. */
export interface DsnReport {
  /** Outbox row and creation time from our own Message-ID (`<omamori.ID.TIME@domain>`, set by platform/mail/mailer.ts). */
  outboxId: number | null;
  createdMs: number | null;
  recipients: Array<{ address: string; action: string; status: string }>;
}

export type DsnOutcome = 'bounced' | 'not_failed' | 'unknown_message' | 'not_a_notice' | 'already';

const messageIdPattern = /<omamori\.(\d{1,12})\.(\d{10,15})@[^>\s]+>/;

/** Reads a returned mail with postal-mime (a maintained MIME parser); the per-recipient fields are RFC 3464's. */
export async function parseDsn(raw: string | Uint8Array): Promise<DsnReport> {
  const mail = await PostalMime.parse(raw);
  const texts = mail.attachments.map((a) => ({ type: a.mimeType.toLowerCase(), text: typeof a.content === 'string' ? a.content : new TextDecoder().decode(a.content) }));
  const status = texts.find((t) => t.type === 'message/delivery-status')?.text ?? '';
  const recipients: DsnReport['recipients'] = [];
  // Per-recipient blocks follow the per-message block, separated by blank lines.
  for (const block of status.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*(?:\\n[ \\t].*)*)`, 'im').exec(block)?.[1]?.replace(/\s+/g, ' ').trim();
    const final = field('Final-Recipient') ?? field('Original-Recipient');
    if (!final) continue;
    const address = final.replace(/^[a-z0-9-]+\s*;\s*/i, '').replace(/^<|>$/g, '').trim();
    recipients.push({ address, action: (field('Action') ?? '').toLowerCase(), status: field('Status') ?? '' });
  }
  // The returned headers (text/rfc822-headers or the whole message/rfc822) carry our Message-ID.
  const returned = texts.filter((t) => t.type !== 'message/delivery-status').map((t) => t.text).join('\n') + '\n' + (mail.text ?? '');
  const m = messageIdPattern.exec(returned);
  return { outboxId: m ? Number(m[1]) : null, createdMs: m ? Number(m[2]) : null, recipients };
}

/**
 * A bounce that arrives later as a DSN (the receiving server accepted the mail, then could not deliver it): the
 * notice's recipient goes to the postal-letter list. T4: a forged DSN could take people off the e-mail list, so it
 * must name an outbox row by our Message-ID with its exact creation time, and a failed recipient whose address has
 * that row's blind index; anything else is ignored.
 */
export async function applyDsn(db: IncidentDb, vault: Vault, raw: string | Uint8Array): Promise<{ outcome: DsnOutcome; outboxId: number | null; incidentId?: number }> {
  const r = await parseDsn(raw);
  if (r.outboxId === null) return { outcome: 'unknown_message', outboxId: null };
  const row = await db.selectFrom('mail_outbox').select(['id', 'kind', 'to_bidx', 'created_at']).where('id', '=', r.outboxId).executeTakeFirst();
  if (!row || new Date(row.created_at).getTime() !== r.createdMs) return { outcome: 'unknown_message', outboxId: r.outboxId };
  if (row.kind !== 'incident.notice') return { outcome: 'not_a_notice', outboxId: row.id };
  const failed = r.recipients.find((x) => x.action === 'failed' && /^5\./.test(x.status) && vault.emailIndex(x.address) === row.to_bidx);
  if (!failed) return { outcome: 'not_failed', outboxId: row.id };
  return db.transaction().execute(async (trx) => {
    const rec = await trx
      .updateTable('incident_recipient as r')
      .set({ status: 'bounced', updated_at: new Date() })
      .from('incident_campaign as c')
      .whereRef('c.id', '=', 'r.campaign_id')
      .where('r.outbox_id', '=', row.id)
      .where('r.status', 'in', ['queued', 'sent'])
      .returning(['c.incident_id', 'r.campaign_id'])
      .executeTakeFirst();
    if (!rec) return { outcome: 'already' as const, outboxId: row.id };
    await sql`update mail_outbox set status = 'failed' where id = ${row.id}`.execute(trx);
    await addEvent(trx, rec.incident_id, null, 'bounced', { campaign_id: rec.campaign_id, outbox_id: row.id, status: failed.status, via: 'dsn' });
    return { outcome: 'bounced' as const, outboxId: row.id, incidentId: rec.incident_id };
  });
}
