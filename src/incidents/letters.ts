import { PDFDocument } from 'pdf-lib';
import type { CsvValue } from '../exports/csv.ts';
import type { Vault } from '../vault/index.ts';
import { contactsOf, type Contact } from './contacts.ts';
import { antiPhishing } from './notice-text.ts';
import { JapaneseText } from './pdf-text.ts';
import type { IncidentDb, NoticeBody } from './tables.ts';

const mm = 72 / 25.4;
const a4 = { w: 210 * mm, h: 297 * mm };
/** A JIS 長形3号 window envelope's address window: 23 mm from the left, 13 mm from the top, 90 x 45 mm (A4 folded in three). */
const addressWindow = { x: 23 * mm, top: 13 * mm, w: 90 * mm, h: 45 * mm };
const pageSize = 500;

export const letterCsvColumns = ['recipient_ref', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'name', 'locale'] as const;

/** Everyone a campaign could not reach by e-mail: no address on file, or a bounce (SMTP rejection). */
export async function* letterRecipients(db: IncidentDb, vault: Vault, campaignId: number): AsyncGenerator<Contact & { reachable: boolean }> {
  const c = await db.selectFrom('incident_campaign').select(['scope_id']).where('id', '=', campaignId).executeTakeFirstOrThrow();
  for (let after = ''; ; ) {
    const rows = await db
      .selectFrom('incident_recipient as r')
      .innerJoin('incident_affected as a', (j) => j.onRef('a.subject', '=', 'r.subject').on('a.scope_id', '=', c.scope_id))
      .select(['r.subject', 'a.customer_id', 'a.order_id'])
      .where('r.campaign_id', '=', campaignId)
      .where('r.status', 'in', ['bounced', 'letter'])
      .where('r.subject', '>', after)
      .orderBy('r.subject')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return;
    const contacts = await contactsOf(db, vault, rows);
    for (const r of rows) {
      const contact = contacts.get(r.subject);
      if (contact) yield { ...contact, reachable: contact.postal !== null };
    }
    after = rows[rows.length - 1]!.subject;
  }
}

/** The mailing house's CSV rows (one per letter that has a postal address). */
export function letterCsvRow(c: Contact): CsvValue[] {
  return [c.subject, c.postal?.postalCode, c.postal?.prefecture, c.postal?.city, c.postal?.line1, c.postal?.line2, c.name, c.locale];
}

/**
 * Print-ready letters: A4, one page per recipient, the address inside a window envelope's window, then the notice.
 * Fonts come from the project's dependencies (see pdf-text.ts).
 */
export async function lettersPdf(contacts: Contact[], p: { shopName: string; shopUrl: string; notice: NoticeBody; date: Date }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`${p.shopName} お詫びとお知らせ`);
  doc.setCreator('omamori');
  const text = new JapaneseText(doc);
  // The notice is the same in every letter: laid out once as a form XObject that each page places (fast at 10,000 letters).
  const template = doc.addPage([a4.w, a4.h]);
  await text.draw(template, p.date.toISOString().slice(0, 10), a4.w - 50 * mm, a4.h - 20 * mm, 10);
  await text.draw(template, p.shopName, a4.w - 80 * mm, a4.h - 27 * mm, 10);
  let body = a4.h - 80 * mm;
  await text.draw(template, p.notice.title, 20 * mm, body, 13);
  body -= 10 * mm;
  const blocks = [`■ 経緯\n${p.notice.background}`, `■ 漏えい等の状況\n${p.notice.status}`, `■ お願い\n${p.notice.request}`, `■ 再発防止\n${p.notice.prevention}`, `■ お問い合わせ\n${p.notice.contact}`, antiPhishing('ja', p.shopUrl)];
  for (const block of blocks) body = (await text.paragraph(template, block, 20 * mm, body, 9.5, a4.w - 40 * mm, 1.55)) - 2 * mm;
  const letterBody = await doc.embedPage(template);
  doc.removePage(0);
  for (const c of contacts) {
    if (!c.postal) continue;
    const page = doc.addPage([a4.w, a4.h]);
    page.drawPage(letterBody);
    let y = a4.h - addressWindow.top - 8 * mm;
    const x = addressWindow.x + 4 * mm;
    await text.draw(page, `〒${c.postal.postalCode}`, x, y, 10);
    y -= 6 * mm;
    y = await text.paragraph(page, `${c.postal.prefecture}${c.postal.city}${c.postal.line1}`, x, y, 11, addressWindow.w - 8 * mm, 1.4);
    if (c.postal.line2) y = await text.paragraph(page, c.postal.line2, x, y, 11, addressWindow.w - 8 * mm, 1.4);
    await text.draw(page, `${c.name} 様`, x, y - 2 * mm, 14);
  }
  if (doc.getPageCount() === 0) doc.addPage([a4.w, a4.h]);
  return doc.save();
}

/** A text document (the PPC report draft) as A4 pages, wrapped and paginated. */
export async function textPdf(title: string, body: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setCreator('omamori');
  const text = new JapaneseText(doc);
  let page = doc.addPage([a4.w, a4.h]);
  let y = a4.h - 20 * mm;
  for (const line of body.split('\n')) {
    if (y < 25 * mm) {
      page = doc.addPage([a4.w, a4.h]);
      y = a4.h - 20 * mm;
    }
    y = await text.paragraph(page, line, 20 * mm, y, 10, a4.w - 40 * mm, 1.5);
  }
  return doc.save();
}
