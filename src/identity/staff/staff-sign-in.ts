import type { FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/database.ts';
import { rotateSession, type AdminSessionState } from '../sessions/sessions.ts';

function clientOf(req: FastifyRequest) {
  return { ip: req.ip, userAgent: req.headers['user-agent'] };
}

/**
 * After a correct password: a fresh *partial* session (the previous one is dropped: session
 * fixation). It reaches only the 2FA pages until a second factor completes it (T4).
 */
export function startPartialStaffSession(db: Db, req: FastifyRequest, staffId: number, previousSessionHash: string | null): Promise<string> {
  return rotateSession(db, 'admin', previousSessionHash, { staffId }, clientOf(req), { secondFactorAt: null });
}

/** After a correct second factor: the session id rotates again (privilege change) and becomes complete. */
export function completeStaffSession(db: Db, req: FastifyRequest, staffId: number, partialSessionHash: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('staff').set({ last_sign_in_at: new Date() }).where('id', '=', staffId).execute();
    return rotateSession(trx, 'admin', partialSessionHash, { staffId }, clientOf(req), { secondFactorAt: new Date() });
  });
}

/** A new id for a live session, keeping its state (privilege change, emergency revocation). */
export function rotateStaffSession(db: Db, req: FastifyRequest, staffId: number, sessionHash: string, state: AdminSessionState): Promise<string> {
  return rotateSession(db, 'admin', sessionHash, { staffId }, clientOf(req), state);
}
