import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';
import { incidentDb } from './tables.ts';

/**
 * T4 (phishing after a leak): the account page of an affected customer shows the same notice as the mail, with
 * when it was mailed, so a customer can check here that a mail claiming to be from the shop is real. Shown once a
 * notice is published; matched on the customer id in a scope (never on a decrypted value).
 */
export async function accountNoticeBanner(database: Db, customerId: number, l: Locale): Promise<SafeHtml | ''> {
  const db = incidentDb(database);
  const rows = await sql<{ incident_id: number; title: string; published_at: Date; mailed_at: Date | null; channel: string | null }>`
    select n.incident_id, n.body->>'title' as title, n.published_at,
      (select max(r.updated_at) from incident_recipient r join incident_campaign c on c.id = r.campaign_id
        where c.incident_id = n.incident_id and r.subject = ${`c:${customerId}`} and r.channel = 'email') as mailed_at,
      (select min(r.channel) from incident_recipient r join incident_campaign c on c.id = r.campaign_id
        where c.incident_id = n.incident_id and r.subject = ${`c:${customerId}`}) as channel
    from incident_notice n
    where n.published_at is not null
      and not exists (select 1 from incident_notice m where m.incident_id = n.incident_id and m.published_at is not null and m.version > n.version)
      and exists (select 1 from incident_scope s join incident_affected a on a.scope_id = s.id where s.incident_id = n.incident_id and a.subject = ${`c:${customerId}`})
    order by n.incident_id desc`.execute(db);
  if (!rows.rows.length) return '';
  return html`${rows.rows.map((r) => html`<div class="alert alert-info" role="alert" data-incident-notice="${r.incident_id}"><p><strong>${t(l, 'accountNotice')}</strong></p>
<p>${r.title}</p>
<p>${t(l, 'accountAffected')}${r.mailed_at ? html` ${t(l, 'accountMailed', { at: formatDateTime(new Date(r.mailed_at), l) })}` : ''}</p>
<p>${t(l, 'accountNeverAsk')} <a href="/notice#incident-${r.incident_id}">${t(l, 'accountRead')}</a></p></div>`)}`;
}
