import type { Db } from '../platform/db/database.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { t } from './messages.ts';

/**
 * Account-change notices (IPA's "attribute change" rule: tell the holder of an account whenever its
 * sign-in details or delivery data change, at the old address too, so a takeover is noticed by the
 * real owner within minutes). Each one is queued in the caller's transaction where there is one.
 */

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

export interface NoticeContext {
  shopName: string;
  publicUrl: string;
}

type CustomerRow = { email: string; name: string; locale: Locale };

async function customerFor(db: Db, customerId: number): Promise<CustomerRow | undefined> {
  return db.selectFrom('customer').select(['email', 'name', 'locale']).where('id', '=', customerId).executeTakeFirst();
}

/** The User-Agent as shown in a mail: printable characters only, bounded. */
function device(ua: string | undefined): string {
  const clean = (ua ?? '').replace(/[^\x20-\x7e\u3000-\u30ff\u4e00-\u9fff]/g, '').slice(0, 160);
  return clean || '-';
}

function footer(l: Locale, c: NoticeContext): string {
  return t(l, 'mailNoticeFooter', { url: `${c.publicUrl}/account/password/forgot`, shop: c.shopName });
}

async function send(db: Db, kind: string, to: string, l: Locale, c: NoticeContext, subjectKey: Parameters<typeof t>[1], bodyKey: Parameters<typeof t>[1], params: Record<string, string>) {
  await queueMail(db, {
    kind,
    to,
    subject: t(l, subjectKey, { shop: c.shopName }),
    text: `${t(l, bodyKey, { shop: c.shopName, ...params })}\n${footer(l, c)}`,
  });
}

const maxDevicesPerCustomer = 20;

/**
 * Records the device a customer just signed in from and tells them by e-mail when it is a new one.
 * The very first device after registration is not reported (the customer just created the account).
 * `deviceHash`: SHA-256 of the browser's device cookie, or of IP + User-Agent for API clients.
 */
export async function recordSignInDevice(trx: Db, customerId: number, deviceHash: string, client: ClientInfo, c: NoticeContext, at = new Date()): Promise<'known' | 'new' | 'first'> {
  const known = await trx
    .updateTable('customer_device')
    .set({ last_seen_at: at })
    .where('customer_id', '=', customerId)
    .where('device_hash', '=', deviceHash)
    .executeTakeFirst();
  if (known.numUpdatedRows > 0n) return 'known';
  const others = await trx.selectFrom('customer_device').select('device_hash').where('customer_id', '=', customerId).orderBy('last_seen_at', 'desc').execute();
  await trx.insertInto('customer_device').values({ customer_id: customerId, device_hash: deviceHash, first_seen_at: at, last_seen_at: at }).onConflict((oc) => oc.doNothing()).execute();
  // Bounded: the oldest devices are forgotten (and would be reported again if they come back).
  const stale = others.slice(maxDevicesPerCustomer - 1).map((d) => d.device_hash);
  if (stale.length) await trx.deleteFrom('customer_device').where('customer_id', '=', customerId).where('device_hash', 'in', stale).execute();
  if (others.length === 0) return 'first';
  const customer = await customerFor(trx, customerId);
  if (customer) {
    const l = customer.locale;
    await send(trx, 'identity.new_device', customer.email, l, c, 'mailNewDeviceSubject', 'mailNewDeviceBody', { name: customer.name, at: formatDateTime(at, l), ip: client.ip, device: device(client.userAgent) });
  }
  return 'new';
}

export async function notifyPasswordChanged(trx: Db, customerId: number, client: ClientInfo, c: NoticeContext, via: 'change' | 'reset'): Promise<void> {
  const customer = await customerFor(trx, customerId);
  if (!customer) return;
  const l = customer.locale;
  await send(trx, 'identity.password_changed', customer.email, l, c, 'mailPasswordChangedSubject', via === 'reset' ? 'mailPasswordResetDoneBody' : 'mailPasswordChangedBody', {
    name: customer.name,
    at: formatDateTime(new Date(), l),
    ip: client.ip,
    device: device(client.userAgent),
  });
}

/** Sent to the old address and to the new one: whoever does not recognise the change can act. */
export async function notifyEmailChanged(trx: Db, customerId: number, oldEmail: string, client: ClientInfo, c: NoticeContext): Promise<void> {
  const customer = await customerFor(trx, customerId);
  if (!customer) return;
  const l = customer.locale;
  const params = { name: customer.name, at: formatDateTime(new Date(), l), ip: client.ip, device: device(client.userAgent), old: oldEmail, new: customer.email };
  await send(trx, 'identity.email_changed', oldEmail, l, c, 'mailEmailChangedSubject', 'mailEmailChangedOldBody', params);
  await send(trx, 'identity.email_changed', customer.email, l, c, 'mailEmailChangedSubject', 'mailEmailChangedNewBody', params);
}

export type AddressChange = 'added' | 'updated' | 'deleted';

export async function notifyAddressChanged(db: Db, customerId: number, change: AddressChange, client: ClientInfo, c: NoticeContext): Promise<void> {
  const customer = await customerFor(db, customerId);
  if (!customer) return;
  const l = customer.locale;
  const what = t(l, change === 'added' ? 'noticeAddressAdded' : change === 'updated' ? 'noticeAddressUpdated' : 'noticeAddressDeleted');
  await send(db, 'identity.address_changed', customer.email, l, c, 'mailAddressChangedSubject', 'mailAddressChangedBody', { name: customer.name, what, at: formatDateTime(new Date(), l), ip: client.ip, device: device(client.userAgent) });
}

export type TwoFactorChange = 'enabled' | 'disabled' | 'reset' | 'recovery_codes' | 'recovery_code_used';

/**
 * For the 2FA work: tell a staff member (or a customer, once customers get 2FA) that their second
 * factor changed. Staff have no locale of their own: Japanese with the English text below it.
 */
export async function notifyTwoFactorChanged(trx: Db, subject: { staffId: number } | { customerId: number }, change: TwoFactorChange, client: ClientInfo, c: NoticeContext): Promise<void> {
  const row =
    'staffId' in subject
      ? await trx.selectFrom('staff').select(['email', 'name']).where('id', '=', subject.staffId).executeTakeFirst()
      : await customerFor(trx, subject.customerId);
  if (!row) return;
  const locales: Locale[] = 'locale' in row ? [row.locale as Locale] : ['ja', 'en'];
  const text = locales
    .map((l) => {
      const what = t(l, `notice2fa_${change}`);
      const tail = 'staffId' in subject ? t(l, 'mailStaffNoticeFooter') : footer(l, c);
      return `${t(l, 'mail2faChangedBody', { name: row.name, what, at: formatDateTime(new Date(), l), ip: client.ip, device: device(client.userAgent), shop: c.shopName })}\n${tail}`;
    })
    .join('\n――――――――\n\n');
  await queueMail(trx, { kind: 'identity.2fa_changed', to: row.email, subject: t(locales[0]!, 'mail2faChangedSubject', { shop: c.shopName }), text });
}
