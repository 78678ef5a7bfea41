import { decryptAddress, decryptCustomer } from '../identity/customers/customer-data.ts';
import { openOrderRow } from '../orders/encrypted-fields.ts';
import type { Locale } from '../platform/i18n/index.ts';
import type { Vault } from '../vault/index.ts';
import type { IncidentDb } from './tables.ts';

export interface Contact {
  subject: string;
  name: string;
  email: string;
  locale: Locale;
  postal: { postalCode: string; prefecture: string; city: string; line1: string; line2: string } | null;
}

/**
 * The contact details of affected people, decrypted in memory for one batch only (principle 2): a registered
 * customer's account and default address, a guest's order. A row that does not decrypt is skipped, not fatal.
 */
export async function contactsOf(db: IncidentDb, vault: Vault, rows: Array<{ subject: string; customer_id: number | null; order_id: number | null }>): Promise<Map<string, Contact>> {
  const out = new Map<string, Contact>();
  const customerIds = rows.filter((r) => r.customer_id !== null).map((r) => r.customer_id!);
  const orderIds = rows.filter((r) => r.customer_id === null && r.order_id !== null).map((r) => r.order_id!);
  const customers = customerIds.length ? await db.selectFrom('customer').select(['id', 'email', 'name', 'locale']).where('id', 'in', customerIds).execute() : [];
  const addresses = customerIds.length
    ? await db.selectFrom('customer_address').select(['id', 'customer_id', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'is_default']).where('customer_id', 'in', customerIds).orderBy('is_default', 'desc').orderBy('id').execute()
    : [];
  const orders = orderIds.length ? await db.selectFrom('orders').select(['id', 'email', 'ship_name', 'ship_postal_code', 'ship_prefecture', 'ship_city', 'ship_line1', 'ship_line2', 'locale']).where('id', 'in', orderIds).execute() : [];
  for (const c of customers) {
    const plain = await decryptCustomer(vault, c).catch(() => null);
    if (!plain) continue;
    const raw = addresses.find((a) => a.customer_id === c.id);
    const a = raw ? await decryptAddress(vault, raw).catch(() => null) : null;
    out.set(`c:${c.id}`, { subject: `c:${c.id}`, name: plain.name, email: plain.email, locale: plain.locale, postal: a ? { postalCode: a.postal_code, prefecture: a.prefecture, city: a.city, line1: a.line1, line2: a.line2 } : null });
  }
  for (const o of orders) {
    const plain = await openOrderRow(vault, o).catch(() => null);
    if (!plain) continue;
    out.set(`o:${o.id}`, {
      subject: `o:${o.id}`,
      name: plain.ship_name,
      email: plain.email,
      locale: plain.locale,
      postal: { postalCode: plain.ship_postal_code, prefecture: plain.ship_prefecture, city: plain.ship_city, line1: plain.ship_line1, line2: plain.ship_line2 },
    });
  }
  return out;
}
