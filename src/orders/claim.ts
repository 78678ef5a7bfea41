import { sql } from 'kysely';
import { hashToken, newToken } from '../platform/crypto/tokens.ts';
import type { Db } from '../platform/db/database.ts';
import { html } from '../platform/http/html.ts';
import { formatYen, type Locale } from '../platform/i18n/index.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import type { Vault } from '../vault/index.ts';
import { t } from './messages.ts';

/** How long a claim link works, and how often one account may ask for a new one. */
export const claimLinkHours = 24;
export const claimResendMs = 10 * 60_000;

export interface ClaimableOrder {
  id: number;
  number: string;
  placedAt: Date;
  total: number;
}

/** The account's current e-mail blind index (the address as the store knows it now, never one typed in a form). */
async function accountEmailIndex(db: Db, customerId: number): Promise<string | null> {
  const row = await db.selectFrom('customer').select('email_bidx').where('id', '=', customerId).executeTakeFirst();
  return row?.email_bidx ?? null;
}

/** Guest orders (no account) placed with the address whose blind index is `emailBidx`, oldest first. */
export async function guestOrdersOf(db: Db, emailBidx: string): Promise<ClaimableOrder[]> {
  const rows = await db.selectFrom('orders').select(['id', 'number', 'placed_at', 'total']).where('customer_id', 'is', null).where('email_bidx', '=', emailBidx).orderBy('placed_at').orderBy('id').limit(500).execute();
  return rows.map((r) => ({ id: r.id, number: r.number, placedAt: r.placed_at, total: r.total }));
}

/**
 * Mails a claim link to the signed-in customer's own address. T4: whatever is found, the caller answers the same
 * ("check your mail"), so the page tells nobody whether an address has guest orders; only whoever reads that
 * mailbox learns it. At most one mail per account every 10 minutes (the answer stays the same).
 */
export async function requestClaim(db: Db, vault: Vault, p: { customerId: number; email: string; locale: Locale; shopName: string; publicUrl: string }): Promise<void> {
  const bidx = await accountEmailIndex(db, p.customerId);
  if (!bidx || bidx !== vault.emailIndex(p.email)) return;
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('omamori.order_claim'), ${p.customerId}::int)`.execute(trx);
    const recent = await trx.selectFrom('order_claim').select('id').where('customer_id', '=', p.customerId).where('created_at', '>', new Date(Date.now() - claimResendMs)).executeTakeFirst();
    if (recent) return;
    const orders = await guestOrdersOf(trx, bidx);
    const token = newToken();
    await trx.insertInto('order_claim').values({ customer_id: p.customerId, token_hash: hashToken(token), email_bidx: bidx, expires_at: new Date(Date.now() + claimLinkHours * 3600_000) }).execute();
    const l = p.locale;
    const url = `${p.publicUrl}/account/orders/claim/${token}`;
    const list = orders.map((o) => `・${o.number}  ${formatYen(o.total, l)}`);
    const body = orders.length ? [t(l, 'claimMailFound', { n: orders.length }), '', ...list, '', t(l, 'claimMailOpen', { hours: claimLinkHours }), url] : [t(l, 'claimMailNone')];
    const text = [t(l, 'claimMailIntro', { shop: p.shopName }), '', ...body, '', t(l, 'claimMailNotYou')].join('\n') + '\n';
    await queueMail(trx, {
      kind: 'order.claim',
      to: p.email,
      subject: t(l, 'claimMailSubject', { shop: p.shopName }),
      text,
      html: String(html`<!doctype html><html lang="${l}"><head><meta charset="utf-8"></head><body style="font-family:sans-serif;line-height:1.7"><p>${t(l, 'claimMailIntro', { shop: p.shopName })}</p>${orders.length ? html`<p>${t(l, 'claimMailFound', { n: orders.length })}</p><ul>${list.map((x) => html`<li>${x.slice(1)}</li>`)}</ul><p>${t(l, 'claimMailOpen', { hours: claimLinkHours })}<br><a href="${url}">${url}</a></p>` : html`<p>${t(l, 'claimMailNone')}</p>`}<p>${t(l, 'claimMailNotYou')}</p></body></html>`),
    });
  });
}

/**
 * The claim a link stands for, if it can still be used by this signed-in customer: unexpired, unused, issued to this
 * account, and for the address the account still has. Anything else is null (one answer for every reason).
 */
export async function openClaim(db: Db, token: string, customerId: number): Promise<{ id: number; emailBidx: string; orders: ClaimableOrder[] } | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const row = await db.selectFrom('order_claim').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row || row.used_at || row.expires_at <= new Date() || row.customer_id !== customerId) return null;
  if ((await accountEmailIndex(db, customerId)) !== row.email_bidx) return null;
  return { id: row.id, emailBidx: row.email_bidx, orders: await guestOrdersOf(db, row.email_bidx) };
}

/** Attaches the guest orders to the account and uses the link up; returns how many orders were attached, or null. */
export async function applyClaim(db: Db, token: string, customerId: number): Promise<number | null> {
  const claim = await openClaim(db, token, customerId);
  if (!claim) return null;
  return db.transaction().execute(async (trx) => {
    const used = await trx.updateTable('order_claim').set({ used_at: new Date() }).where('id', '=', claim.id).where('used_at', 'is', null).returning('id').executeTakeFirst();
    if (!used) return null;
    const moved = await trx.updateTable('orders').set({ customer_id: customerId, updated_at: new Date() }).where('customer_id', 'is', null).where('email_bidx', '=', claim.emailBidx).returning('id').execute();
    await trx.updateTable('order_claim').set({ claimed_count: moved.length }).where('id', '=', claim.id).execute();
    return moved.length;
  });
}
