import type { Db } from '../../platform/db/database.ts';
import { formatDateTime, type Locale } from '../../platform/i18n/index.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import type { Vault } from '../../vault/index.ts';
import { decryptCustomer } from '../customers/customer-data.ts';
import { t } from '../messages.ts';
import { device, type ClientInfo } from '../notifications.ts';
import { tp } from './messages.ts';

export interface PasskeyNoticeContext {
  shopName: string;
  publicUrl: string;
  /** Needed for a customer (their address is stored encrypted). */
  vault?: Vault;
}

/**
 * T4: the account holder hears of every passkey added or removed (a new way in is the first thing a
 * takeover adds). Queued in the caller's transaction.
 */
export async function notifyPasskeyChanged(trx: Db, subject: { staffId: number } | { customerId: number }, change: 'added' | 'removed', name: string, client: ClientInfo, c: PasskeyNoticeContext): Promise<void> {
  let row: { email: string; name: string; locale?: Locale } | undefined;
  if ('staffId' in subject) row = await trx.selectFrom('staff').select(['email', 'name']).where('id', '=', subject.staffId).executeTakeFirst();
  else {
    if (!c.vault) throw new TypeError('customer notices need the vault');
    const stored = await trx.selectFrom('customer').select(['id', 'email', 'name', 'locale']).where('id', '=', subject.customerId).executeTakeFirst();
    row = stored ? await decryptCustomer(c.vault, stored) : undefined;
  }
  if (!row) return;
  const locales: Locale[] = row.locale ? [row.locale] : ['ja', 'en'];
  const text = locales
    .map((l) => {
      const what = tp(l, change === 'added' ? 'mailAdded' : 'mailRemoved', { name });
      const tail = 'staffId' in subject ? t(l, 'mailStaffNoticeFooter') : t(l, 'mailNoticeFooter', { url: `${c.publicUrl}/account/password/forgot`, shop: c.shopName });
      return `${t(l, 'mail2faChangedBody', { name: row.name, what, at: formatDateTime(new Date(), l), ip: client.ip, device: device(client.userAgent), shop: c.shopName })}\n${tail}`;
    })
    .join('\n――――――――\n\n');
  await queueMail(trx, { kind: 'identity.passkey_changed', to: row.email, subject: t(locales[0]!, 'mail2faChangedSubject', { shop: c.shopName }), text });
}
