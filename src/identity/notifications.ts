import type { Db } from '../platform/db/database.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import type { Vault } from '../vault/index.ts';
import { decryptCustomer } from './customers/customer-data.ts';
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
  /** The customer's address and name are stored encrypted: a notice needs the vault to read them. */
  vault: Vault;
}

type CustomerRow = { email: string; name: string; locale: Locale };

async function customerFor(db: Db, customerId: number, c: Partial<Pick<NoticeContext, 'vault'>>): Promise<CustomerRow | undefined> {
  if (!c.vault) throw new TypeError('customer notices need the vault in their NoticeContext');
  const row = await db.selectFrom('customer').select(['id', 'email', 'name', 'locale']).where('id', '=', customerId).executeTakeFirst();
  return row ? decryptCustomer(c.vault, row) : undefined;
}

const browsers: Array<[RegExp, string]> = [[/Edg\//, 'Edge'], [/OPR\/|Opera/, 'Opera'], [/SamsungBrowser/, 'Samsung Internet'], [/Firefox\/|FxiOS/, 'Firefox'], [/Chrome\/|CriOS|Chromium/, 'Chrome'], [/Safari\//, 'Safari'], [/curl|python|okhttp|Go-http|node|undici|axios|Java\//i, 'API client']];
const systems: Array<[RegExp, string]> = [[/iPhone|iPad|iPod/, 'iOS'], [/Android/, 'Android'], [/Windows/, 'Windows'], [/Mac OS X|Macintosh/, 'macOS'], [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux']];

/**
 * The browser as shown in a mail: a name from a fixed list ("Chrome / Windows"), never the
 * User-Agent itself (T4: it is free text the sender chooses, e.g. a fake "visit http://…" notice in our mail).
 */
export function device(ua: string | undefined): string {
  const text = ua ?? '';
  const browser = browsers.find(([re]) => re.test(text))?.[1];
  const system = systems.find(([re]) => re.test(text))?.[1];
  return [browser, system].filter(Boolean).join(' / ') || '-';
}

function footer(l: Locale, c: StaffNoticeContext): string {
  return t(l, 'mailNoticeFooter', { url: `${c.publicUrl}/account/password/forgot`, shop: c.shopName });
}

/** Staff notices read the staff table, which holds no encrypted columns. */
export type StaffNoticeContext = Omit<NoticeContext, 'vault'> & Partial<Pick<NoticeContext, 'vault'>>;

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
  const customer = await customerFor(trx, customerId, c);
  if (customer) {
    const l = customer.locale;
    await send(trx, 'identity.new_device', customer.email, l, c, 'mailNewDeviceSubject', 'mailNewDeviceBody', { name: customer.name, at: formatDateTime(at, l), ip: client.ip, device: device(client.userAgent) });
  }
  return 'new';
}

export async function notifyPasswordChanged(trx: Db, customerId: number, client: ClientInfo, c: NoticeContext, via: 'change' | 'reset'): Promise<void> {
  const customer = await customerFor(trx, customerId, c);
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
  const customer = await customerFor(trx, customerId, c);
  if (!customer) return;
  const l = customer.locale;
  const params = { name: customer.name, at: formatDateTime(new Date(), l), ip: client.ip, device: device(client.userAgent), old: oldEmail, new: customer.email };
  await send(trx, 'identity.email_changed', oldEmail, l, c, 'mailEmailChangedSubject', 'mailEmailChangedOldBody', params);
  await send(trx, 'identity.email_changed', customer.email, l, c, 'mailEmailChangedSubject', 'mailEmailChangedNewBody', params);
}

export type AddressChange = 'added' | 'updated' | 'deleted';

export async function notifyAddressChanged(db: Db, customerId: number, change: AddressChange, client: ClientInfo, c: NoticeContext): Promise<void> {
  const customer = await customerFor(db, customerId, c);
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
export async function notifyTwoFactorChanged(trx: Db, subject: { staffId: number } | { customerId: number }, change: TwoFactorChange, client: ClientInfo, c: StaffNoticeContext): Promise<void> {
  const row =
    'staffId' in subject
      ? await trx.selectFrom('staff').select(['email', 'name']).where('id', '=', subject.staffId).executeTakeFirst()
      : await customerFor(trx, subject.customerId, c);
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
