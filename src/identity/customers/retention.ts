import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

/**
 * Retention of customer accounts (T3, IPSA: five years of customers leaked). A customer is inactive when neither
 * registration, a sign-in nor an order happened after the cut-off. An account with an order still open (awaiting
 * payment, paid, or shipped and not yet delivered) is never erased: the shop still owes or is owed something.
 */
export const openOrderStatuses = ['awaiting_payment', 'paid', 'shipped'] as const;

/** The inactivity test, written once so the erasure re-checks exactly what the selection checked. */
function inactiveSince(cutoff: Date) {
  return sql<boolean>`(
    customer.created_at < ${cutoff}
    and coalesce(customer.last_sign_in_at, customer.created_at) < ${cutoff}
    and not exists (select 1 from orders o where o.customer_id = customer.id and o.placed_at >= ${cutoff})
    and not exists (select 1 from orders o where o.customer_id = customer.id and o.status in (${sql.join([...openOrderStatuses])}))
  )`;
}

export interface InactiveCustomer {
  id: number;
  /** The e-mail blind index: finds the customer's mail in the outbox without decrypting anything. */
  emailIndex: string | null;
}

export async function inactiveCustomers(db: Kysely<Database>, cutoff: Date): Promise<InactiveCustomer[]> {
  const rows = await db.selectFrom('customer').select(['id', 'email_bidx']).where(inactiveSince(cutoff)).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, emailIndex: r.email_bidx }));
}

/**
 * Erases the accounts: deleting the row removes its encrypted name, kana, e-mail and phone and blind indexes, and
 * through the foreign keys its addresses, sessions, cart, devices, reset links and 2FA (ON DELETE CASCADE); its
 * orders lose the link (ON DELETE SET NULL) and must be anonymised first. Re-checks inactivity inside the
 * transaction, so a customer who signed in or ordered meanwhile is kept. Returns the ids erased.
 */
export async function eraseCustomers(trx: Kysely<Database>, ids: number[], cutoff: Date): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await trx.deleteFrom('customer').where('id', 'in', ids).where(inactiveSince(cutoff)).returning('id').execute();
  return rows.map((r) => r.id);
}

