import type { FastifyRequest } from 'fastify';
import type { CartService } from '../cart/service.ts';
import type { Db } from '../platform/db/database.ts';
import { rotateSession } from './sessions.ts';

function clientOf(req: FastifyRequest) {
  return { ip: req.ip, userAgent: req.headers['user-agent'] };
}

/**
 * The last step of a customer sign-in, once the credentials are verified: a fresh session (the
 * previous one is dropped: session fixation) and the guest cart merged, in one transaction.
 * Returns the new session token.
 */
export async function startCustomerSession(db: Db, cart: CartService, req: FastifyRequest, opts: { customerId: number; previousSessionHash: string | null; guestCartHash: string | null }): Promise<string> {
  return db.transaction().execute(async (trx) => {
    if (opts.guestCartHash) await cart.mergeIntoCustomer(trx, opts.guestCartHash, opts.customerId);
    await trx.updateTable('customer').set({ last_sign_in_at: new Date() }).where('id', '=', opts.customerId).execute();
    return rotateSession(trx, 'store', opts.previousSessionHash, { customerId: opts.customerId }, clientOf(req));
  });
}

/**
 * The last step of a staff sign-in. A second factor (TOTP) will sit between the password check
 * and this call: the password step then hands over a short-lived pending sign-in instead.
 */
export async function startStaffSession(db: Db, req: FastifyRequest, opts: { staffId: number; previousSessionHash: string | null }): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('staff').set({ last_sign_in_at: new Date() }).where('id', '=', opts.staffId).execute();
    return rotateSession(trx, 'admin', opts.previousSessionHash, { staffId: opts.staffId }, clientOf(req));
  });
}
