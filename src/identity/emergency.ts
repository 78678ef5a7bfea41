import type { Db } from '../platform/db/database.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import type { Vault } from '../vault/index.ts';
import { t2 } from './admin-messages.ts';
import { decryptCustomer } from './customer-data.ts';

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
 * Runs an owner's emergency action in one transaction and records it (T2: "one action forces a
 * password reset and session revocation for every account"; T4). The acting owner's own session
 * survives (the caller rotates its id); the acting owner is never flagged.
 */
export async function runEmergencyAction(
  db: Db,
  opts: { action: EmergencyAction; actor: { id: number; email: string }; actorSessionHash: string; shopName: string; publicUrl: string; vault: Vault },
): Promise<EmergencyCounts> {
  return db.transaction().execute(async (trx) => {
    const counts: EmergencyCounts = { sessions: 0, customers: 0, staff: 0 };
    if (opts.action === 'revoke_sessions') {
      const res = await trx.deleteFrom('session').where('id_hash', '!=', opts.actorSessionHash).executeTakeFirst();
      counts.sessions = Number(res.numDeletedRows);
    } else if (opts.action === 'reset_customer_passwords') {
      const flagged = await trx.updateTable('customer').set({ password_reset_required: true }).returning(['id', 'email', 'name', 'locale']).execute();
      // T2: one row that does not decrypt (tampered) must not stop the reset of every account: it is flagged, not mailed.
      const opened = await Promise.all(flagged.map((row) => decryptCustomer(opts.vault, row).catch(() => null)));
      const customers = opened.filter((c) => c !== null);
      counts.customers = flagged.length;
      const res = await trx.deleteFrom('session').where('realm', '=', 'store').where('customer_id', 'is not', null).executeTakeFirst();
      counts.sessions = Number(res.numDeletedRows);
      const url = `${opts.publicUrl}${customerResetPath}`;
      for (const c of customers) {
        const l: Locale = c.locale;
        await queueMail(trx, {
          kind: 'password_reset_required',
          to: c.email,
          subject: t2(l, 'resetMailSubject', { shop: opts.shopName }),
          text: t2(l, 'resetMailBody', { shop: opts.shopName, name: c.name, url }),
        });
      }
    } else {
      const staff = await trx.updateTable('staff').set({ password_reset_required: true }).where('id', '!=', opts.actor.id).returning('id').execute();
      counts.staff = staff.length;
      const res = await trx.deleteFrom('session').where('realm', '=', 'admin').where('staff_id', '!=', opts.actor.id).executeTakeFirst();
      counts.sessions = Number(res.numDeletedRows);
    }
    await trx
      .insertInto('emergency_action')
      .values({ staff_id: opts.actor.id, staff_email: opts.actor.email, action: opts.action, sessions_revoked: counts.sessions, customers_flagged: counts.customers, staff_flagged: counts.staff })
      .execute();
    return counts;
  });
}

export async function emergencyHistory(db: Db, limit = 20) {
  return db.selectFrom('emergency_action').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
