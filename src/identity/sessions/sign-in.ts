import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CartService } from '../../cart/service.ts';
import { hashToken, newToken } from '../../platform/crypto/tokens.ts';
import type { Db } from '../../platform/db/database.ts';
import type { CookiePolicy } from '../../platform/http/cookies.ts';
import type { SignInAttempt } from '../../platform/throttle/login-throttle.ts';
import type { PersonalData } from '../customers/customer-data.ts';
import { recordSignInDevice, type NoticeContext } from '../notifications.ts';
import { rotateSession } from './sessions.ts';

/** A per-store random secret, made on first use (e.g. the login throttle's key for hashing account names). */
export async function identitySecret(db: Db, name: string): Promise<string> {
  await db.insertInto('identity_secret').values({ name, value: newToken() }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('identity_secret').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

/** The throttle's view of a customer sign-in: store and API share one count per e-mail address. */
export function customerAttempt(req: FastifyRequest, realm: 'store' | 'api', email: string): SignInAttempt {
  return { realm, account: email.trim().toLowerCase(), ip: req.ip };
}

/**
 * The device hash of this browser when it has signed into the account with this e-mail before
 * (see `SignInAttempt.knownDevice`), else undefined. One indexed query either way.
 */
export async function knownDeviceFor(data: PersonalData, req: FastifyRequest, cookies: CookiePolicy, email: string): Promise<string | undefined> {
  const token = req.cookies[cookies.name(deviceCookieBase)];
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const hash = hashToken(`device:${token}`);
  const row = await data.db
    .selectFrom('customer_device')
    .innerJoin('customer', 'customer.id', 'customer_device.customer_id')
    .select('customer_device.device_hash')
    .where('customer.email_bidx', '=', data.vault.emailIndex(email))
    .where('customer_device.device_hash', '=', hash)
    .executeTakeFirst();
  return row ? hash : undefined;
}

const deviceCookieBase = 'device';
const deviceCookieMaxAge = 400 * 24 * 3600; // the longest browsers keep a cookie

/**
 * The browser's device id (a random token in a long-lived HttpOnly cookie, set here when absent);
 * only its hash is stored, per customer. API clients have no cookies: the hash of IP + User-Agent.
 */
export function deviceHashOf(req: FastifyRequest, reply: FastifyReply | null, cookies: CookiePolicy | null): string {
  if (!reply || !cookies) return hashToken(`ip-ua:${req.ip}\n${req.headers['user-agent'] ?? ''}`);
  const name = cookies.name(deviceCookieBase);
  let token = req.cookies[name];
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    token = newToken();
    reply.setCookie(name, token, cookies.options('lax', deviceCookieMaxAge));
  }
  return hashToken(`device:${token}`);
}

function clientOf(req: FastifyRequest) {
  return { ip: req.ip, userAgent: req.headers['user-agent'] };
}

/**
 * The last step of a customer sign-in, once the credentials are verified: a fresh session (the
 * previous one is dropped: session fixation) and the guest cart merged, in one transaction.
 * Returns the new session token.
 */
export async function startCustomerSession(
  db: Db,
  cart: CartService,
  req: FastifyRequest,
  opts: { customerId: number; previousSessionHash: string | null; guestCartHash: string | null; /** see deviceHashOf; a sign-in from a new device is reported by e-mail */ device?: { hash: string; notice: NoticeContext } },
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    if (opts.guestCartHash) await cart.mergeIntoCustomer(trx, opts.guestCartHash, opts.customerId);
    await trx.updateTable('customer').set({ last_sign_in_at: new Date() }).where('id', '=', opts.customerId).execute();
    if (opts.device) await recordSignInDevice(trx, opts.customerId, opts.device.hash, { ip: req.ip, userAgent: req.headers['user-agent'] }, opts.device.notice);
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
