import type { Db } from '../../platform/db/database.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import type { Vault } from '../../vault/index.ts';
import { t2 } from './admin-messages.ts';
import { decryptCustomer } from '../customers/customer-data.ts';

export const emergencyActions = ['revoke_sessions', 'reset_customer_passwords', 'reset_staff_passwords'] as const;
export type EmergencyAction = (typeof emergencyActions)[number];
export interface EmergencyCounts {
  sessions: number;
  customers: number;
  staff: number;
}

/** Where customers reset their password (the customer side's forgot-password flow). */
export const customerResetPath = '/account/password/forgot';

/**
 * Runs an owner's emergency action and records it (T2: "one action forces a password reset and session revocation
 * for every account"; T4). The acting owner's own session survives (the caller rotates its id); the acting owner is
 * never flagged. The incident console (src/incidents/containment.ts) runs the same steps as queued batches.
 */
export async function runEmergencyAction(
  db: Db,
  opts: { action: EmergencyAction; actor: { id: number; email: string }; actorSessionHash: string; shopName: string; publicUrl: string; vault: Vault },
): Promise<EmergencyCounts> {
  const counts: EmergencyCounts = { sessions: 0, customers: 0, staff: 0 };
  if (opts.action === 'reset_customer_passwords') {
    // Issue 13: keyset batches, each its own transaction: no lock over every customer, memory bounded by one batch.
    for (let after = 0; ; ) {
      const batch = await db.transaction().execute((trx) => resetCustomerBatch(trx, { ...opts, after }));
      counts.customers += batch.flagged;
      counts.sessions += batch.sessions;
      if (batch.last === null) break;
      after = batch.last;
    }
  }
  return db.transaction().execute(async (trx) => {
    if (opts.action === 'revoke_sessions') {
      counts.sessions = await revokeAllSessions(trx, opts.actorSessionHash);
    } else if (opts.action === 'reset_staff_passwords') {
      const staff = await resetStaffPasswords(trx, opts.actor.id);
      counts.staff = staff.staff;
      counts.sessions = staff.sessions;
    }
    await trx
      .insertInto('emergency_action')
      .values({ staff_id: opts.actor.id, staff_email: opts.actor.email, action: opts.action, sessions_revoked: counts.sessions, customers_flagged: counts.customers, staff_flagged: counts.staff })
      .execute();
    return counts;
  });
}

/** Every session but the acting one (T2: a stolen session cookie stops working everywhere). */
export async function revokeAllSessions(trx: Db, keepSessionHash: string | null): Promise<number> {
  const q = trx.deleteFrom('session');
  const res = await (keepSessionHash ? q.where('id_hash', '!=', keepSessionHash) : q).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Every staff member but the acting one must set a new password; their sessions end. */
export async function resetStaffPasswords(trx: Db, actorId: number): Promise<{ staff: number; sessions: number }> {
  const staff = await trx.updateTable('staff').set({ password_reset_required: true }).where('id', '!=', actorId).returning('id').execute();
  const res = await trx.deleteFrom('session').where('realm', '=', 'admin').where('staff_id', '!=', actorId).executeTakeFirst();
  return { staff: staff.length, sessions: Number(res.numDeletedRows) };
}

export const resetBatchSize = 500;

/**
 * One keyset page of the customer password reset, in the caller's transaction: customers after `after` (by id) are
 * flagged, their sessions end and each gets the reset mail. `last` is the page's last id, or null after the last page.
 */
export async function resetCustomerBatch(
  trx: Db,
  opts: { after: number; limit?: number; shopName: string; publicUrl: string; vault: Vault },
): Promise<{ flagged: number; sessions: number; last: number | null }> {
  const limit = opts.limit ?? resetBatchSize;
  const ids = (await trx.selectFrom('customer').select('id').where('id', '>', opts.after).orderBy('id').limit(limit).execute()).map((r) => r.id);
  if (ids.length === 0) return { flagged: 0, sessions: 0, last: null };
  const flagged = await trx.updateTable('customer').set({ password_reset_required: true }).where('id', 'in', ids).returning(['id', 'email', 'name', 'locale']).execute();
  // T2: one row that does not decrypt (tampered) must not stop the reset of every account: it is flagged, not mailed.
  const opened = await Promise.all(flagged.map((row) => decryptCustomer(opts.vault, row).catch(() => null)));
  const res = await trx.deleteFrom('session').where('realm', '=', 'store').where('customer_id', 'in', ids).executeTakeFirst();
  const url = `${opts.publicUrl}${customerResetPath}`;
  for (const c of opened) {
    if (!c) continue;
    const l: Locale = c.locale;
    await queueMail(trx, {
      kind: 'password_reset_required',
      to: c.email,
      subject: t2(l, 'resetMailSubject', { shop: opts.shopName }),
      text: t2(l, 'resetMailBody', { shop: opts.shopName, name: c.name, url }),
    });
  }
  return { flagged: flagged.length, sessions: Number(res.numDeletedRows), last: ids.length < limit ? null : ids[ids.length - 1]! };
}

export async function emergencyHistory(db: Db, limit = 20) {
  return db.selectFrom('emergency_action').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
