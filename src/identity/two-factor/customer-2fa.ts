import type { FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/database.ts';
import type { SignInAttempt } from '../../platform/throttle/login-throttle.ts';
import type { Services } from '../../services.ts';
import type { Vault } from '../../vault/index.ts';
import { notifyTwoFactorChanged, type NoticeContext } from '../notifications.ts';
import { consumeRecoveryCode, unusedRecoveryCodes } from './recovery-codes.ts';
import { challengeFailed, consumeChallenge, readChallenge, type ChallengeRealm } from './second-factor-challenge.ts';
import { consumeTotp, normalizeCode } from './totp.ts';
import { customerSubject } from './totp-store.ts';
import { recordRequestEvent } from '../../platform/security/event-stream.ts';

/** Optional two-step verification for customers (TOTP with recovery codes; T1/T4: stolen passwords alone do not sign in). */

export async function customerTwoFactor(db: Db, customerId: number): Promise<{ enabledAt: Date | null; unusedCodes: number }> {
  const row = await db.selectFrom('customer_totp').select('enabled_at').where('customer_id', '=', customerId).executeTakeFirst();
  const enabledAt = row?.enabled_at ?? null;
  return { enabledAt, unusedCodes: enabledAt ? await unusedRecoveryCodes(db, customerSubject(customerId)) : 0 };
}

export async function customerHasTwoFactor(db: Db, customerId: number): Promise<boolean> {
  return (await customerTwoFactor(db, customerId)).enabledAt !== null;
}

/** A 6-digit TOTP code (each time step once only) or a one-time recovery code: which one was accepted, or null. */
export async function verifyCustomerCode(db: Db, vault: Vault, customerId: number, input: unknown): Promise<'totp' | 'recovery' | null> {
  const code = normalizeCode(input);
  const subject = customerSubject(customerId);
  if (/^\d{6}$/.test(code)) return (await consumeTotp(db, vault, subject, code)) ? 'totp' : null;
  return (await consumeRecoveryCode(db, subject, code)) ? 'recovery' : null;
}

/** Turns 2FA off: secret, recovery codes and pending sign-ins go. */
export async function disableCustomerTwoFactor(db: Db, customerId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('customer_totp').where('customer_id', '=', customerId).execute();
    await trx.deleteFrom('customer_recovery_code').where('customer_id', '=', customerId).execute();
    await trx.deleteFrom('customer_sign_in_challenge').where('customer_id', '=', customerId).execute();
  });
}

/**
 * The throttle's view of a code step: a count of its own per account (keyed by id, so the e-mail
 * is not needed here), with the same thresholds and the same per-address and site-wide counts as passwords.
 */
export function secondFactorAttempt(req: FastifyRequest, realm: ChallengeRealm, customerId: number): SignInAttempt {
  return { realm, account: `#2fa:${customerId}`, ip: req.ip };
}

export type SecondFactorOutcome = { ok: true; customerId: number; method: 'totp' | 'recovery' } | { ok: false; reason: 'expired' | 'bad_code' };

/**
 * The code step of a customer sign-in (store page or API): throttle check (throws LoginThrottledError:
 * 429), the code, then the challenge is spent. The caller then starts the session (a new id: fixation).
 */
export async function secondFactorStep(s: Services, req: FastifyRequest, realm: ChallengeRealm, token: unknown, code: unknown, notice: NoticeContext): Promise<SecondFactorOutcome> {
  const { db, vault } = s.ctx;
  const challenge = await readChallenge(db, token, realm);
  if (!challenge) return { ok: false, reason: 'expired' };
  const attempt = secondFactorAttempt(req, realm, challenge.customerId);
  await s.identity.throttle.check(attempt);
  const method = await verifyCustomerCode(db, vault, challenge.customerId, code);
  if (!method) {
    await s.identity.throttle.failure(attempt);
    await challengeFailed(db, token as string);
    recordRequestEvent(req, { kind: 'auth.2fa.failure', outcome: 'failure', actor: { kind: 'customer', id: challenge.customerId }, detail: { realm: 'customer', step: 'sign_in' } });
    return { ok: false, reason: 'bad_code' };
  }
  if (!(await consumeChallenge(db, token as string))) return { ok: false, reason: 'expired' };
  await s.identity.throttle.success(attempt);
  // The holder hears of every recovery code spent: if it was not them, their codes are known to someone.
  if (method === 'recovery') await notifyTwoFactorChanged(db, { customerId: challenge.customerId }, 'recovery_code_used', { ip: req.ip, userAgent: req.headers['user-agent'] }, notice);
  if (method === 'recovery') recordRequestEvent(req, { kind: 'auth.recovery_code.used', outcome: 'success', actor: { kind: 'customer', id: challenge.customerId }, detail: { realm: 'customer' } });
  return { ok: true, customerId: challenge.customerId, method };
}
