import type { AppContext } from '../../platform/context.ts';
import { hashToken, newToken } from '../../platform/crypto/tokens.ts';
import type { Db } from '../../platform/db/database.ts';
import { enqueueJob } from '../../platform/jobs/queue.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import { decryptCustomer, type PersonalData } from './customer-data.ts';
import { t } from '../messages.ts';
import { notifyPasswordChanged, type ClientInfo, type NoticeContext } from '../notifications.ts';
import { hashPassword } from '../passwords.ts';
import { recordSecurityEvent } from '../../platform/security/event-stream.ts';

/** A reset link works once, for 30 minutes. */
export const resetTokenLifetimeMs = 30 * 60_000;
const jobKind = 'identity.password_reset_request';

/**
 * Accepts a reset request for an e-mail address. The request only queues a job (the same single
 * insert whether or not the address has an account), so the answer and its timing reveal nothing
 * (user enumeration); the job then sends the link, or nothing when there is no account.
 */
export async function requestPasswordReset(db: Db, email: string, c: NoticeContext & { locale: Locale }): Promise<void> {
  // T1: the job queue holds the e-mail's blind index, not the address; the job decrypts the account's own address.
  await enqueueJob(db, jobKind, { emailIndex: c.vault.emailIndex(email), locale: c.locale, shop: c.shopName, url: c.publicUrl });
  recordSecurityEvent(db, { kind: 'auth.password_reset.requested', outcome: 'done', account: email, detail: { realm: 'customer' } });
}

/** Sends the link (registered once per app instance; runs in the job runner). */
export function registerPasswordResetJob(ctx: AppContext): void {
  ctx.jobs.register(jobKind, async (payload) => {
    // Jobs queued before the upgrade carry the address itself.
    const emailIndex = typeof payload.emailIndex === 'string' ? payload.emailIndex : ctx.vault.emailIndex(String(payload.email ?? ''));
    const shop = String(payload.shop ?? '');
    const url = String(payload.url ?? ctx.config.publicUrl);
    await ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('customer').select(['id', 'email', 'name', 'locale']).where('email_bidx', '=', emailIndex).executeTakeFirst();
      if (!row) return;
      const customer = await decryptCustomer(ctx.vault, row);
      const token = newToken();
      await trx
        .insertInto('password_reset')
        .values({ token_hash: hashToken(token), customer_id: customer.id, expires_at: new Date(Date.now() + resetTokenLifetimeMs) })
        .execute();
      const l = customer.locale;
      await queueMail(trx, {
        kind: 'identity.password_reset',
        to: customer.email,
        subject: t(l, 'mailResetSubject', { shop }),
        text: t(l, 'mailResetBody', { name: customer.name, shop, url: `${url}/account/password/reset?token=${token}`, minutes: resetTokenLifetimeMs / 60_000 }),
      });
    });
  });
}

export type ResetTokenState = { state: 'ok'; customerId: number; email: string; name: string } | { state: 'expired' | 'used' | 'invalid' };

/** What a reset link is worth now (a token that is not ours, expired, already used, or good). */
export async function resetTokenState(data: PersonalData, token: unknown): Promise<ResetTokenState> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return { state: 'invalid' };
  const row = await data.db
    .selectFrom('password_reset')
    .innerJoin('customer', 'customer.id', 'password_reset.customer_id')
    .select(['password_reset.customer_id', 'password_reset.expires_at', 'password_reset.used_at', 'customer.email', 'customer.name'])
    .where('password_reset.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return { state: 'invalid' };
  if (row.used_at) return { state: 'used' };
  if (row.expires_at.getTime() <= Date.now()) return { state: 'expired' };
  const customer = await decryptCustomer(data.vault, { id: row.customer_id, email: row.email, name: row.name });
  return { state: 'ok', customerId: row.customer_id, email: customer.email, name: customer.name };
}

/**
 * Sets the new password with a reset token: consumes the token atomically (a second use, even a
 * concurrent one, finds it used), voids the customer's other open links, ends every session of the
 * account (whoever was signed in with the old password is out) and mails the customer.
 * Returns the token's state; 'ok' means the password was changed.
 */
export async function completePasswordReset(db: Db, token: string, newPassword: string, client: ClientInfo, c: NoticeContext): Promise<ResetTokenState> {
  const before = await resetTokenState({ db, vault: c.vault }, token);
  if (before.state !== 'ok') return before;
  const passwordHash = await hashPassword(newPassword); // outside the transaction: argon2 takes a while
  return db.transaction().execute(async (trx) => {
    const consumed = await trx
      .updateTable('password_reset')
      .set({ used_at: new Date() })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('customer_id')
      .executeTakeFirst();
    if (!consumed) return resetTokenState({ db: trx, vault: c.vault }, token);
    const customerId = consumed.customer_id;
    await trx.updateTable('password_reset').set({ used_at: new Date() }).where('customer_id', '=', customerId).where('used_at', 'is', null).execute();
    await trx.updateTable('customer').set({ password_hash: passwordHash, password_reset_required: false, updated_at: new Date() }).where('id', '=', customerId).execute();
    await trx.deleteFrom('session').where('customer_id', '=', customerId).execute();
    await notifyPasswordChanged(trx, customerId, client, c, 'reset');
    return before;
  });
}
