import { z } from 'zod';
import type { Db } from '../../platform/db/database.ts';
import { email, kana, phone, text } from '../../platform/http/fields.ts';
import type { SignedInCustomer } from '../../platform/http/request.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { queueMail } from '../../platform/mail/mailer.ts';
import { decryptCustomer, sealCustomer, type PersonalData } from './customer-data.ts';
import { t } from '../messages.ts';
import { notifyEmailChanged, notifyPasswordChanged, type ClientInfo, type NoticeContext } from '../notifications.ts';
import { currentPasswordField, hashPassword, needsRehash, newPasswordField, newPasswordLengthField, passwordProblem, verifyPassword, verifyWithoutAccount } from '../passwords.ts';

const emptyToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

const registrationFields = {
  name: text(100),
  name_kana: kana.optional().transform((v) => v ?? ''),
  email,
  password: newPasswordField('customer'),
  phone: z.preprocess(emptyToUndefined, phone.optional()),
};

/** The password may not be built from the customer's own e-mail or name either ("hanako1985" for Hanako). */
function passwordNotPersonal(v: { password: string; email: string; name: string }, ctx: z.RefinementCtx) {
  // A repeat of the field's own issue, if any, is harmless: the first issue of a field is the one shown.
  if (passwordProblem(v.password, 'customer', [v.email, v.name]) === 'password_common') {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'password_common' });
  }
}

export const registrationSchema = z.object(registrationFields).superRefine(passwordNotPersonal);
/** The same for the API, whose handler reports a weak password itself (`assertPasswordAcceptable`), with a clear message. */
export const registrationApiSchema = z.object({ ...registrationFields, password: newPasswordLengthField('customer') });
export type Registration = z.output<typeof registrationApiSchema>;

export const signInSchema = z.object({ email, password: currentPasswordField });

export interface RegistrationContext {
  locale: Locale;
  shopName: string;
  publicUrl: string;
}

/**
 * Registers a customer without revealing whether the e-mail already has an account (user
 * enumeration): both outcomes hash the password, write one mail and show the same page, and
 * neither signs in. A new address gets a welcome mail; an existing one gets a notice that someone
 * tried to register with it, and the account is left untouched. The real owner learns what
 * happened from the mail; an attacker learns nothing.
 */
export async function registerCustomer(data: PersonalData, input: Registration, c: RegistrationContext): Promise<void> {
  const { db, vault } = data;
  const passwordHash = await hashPassword(input.password);
  const signInUrl = `${c.publicUrl}/account/sign-in`;
  // Encrypted before the transaction (the row id is bound into each value); a duplicate only wastes a sequence number.
  const id = await vault.nextRowId(db, 'customer');
  const sealed = await sealCustomer(vault, id, { email: input.email, name: input.name, name_kana: input.name_kana, phone: input.phone ?? '' });
  await db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('customer')
      .values({ id, ...sealed, password_hash: passwordHash, locale: c.locale })
      // T1: uniqueness is on the e-mail's blind index; the address itself is only stored encrypted.
      .onConflict((oc) => oc.column('email_bidx').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (created) {
      await queueMail(trx, {
        kind: 'identity.welcome',
        to: input.email,
        subject: t(c.locale, 'mailWelcomeSubject', { shop: c.shopName }),
        text: t(c.locale, 'mailWelcomeBody', { name: input.name, shop: c.shopName, url: signInUrl }),
      });
      return;
    }
    const found = await trx.selectFrom('customer').select(['id', 'name', 'locale']).where('email_bidx', '=', sealed.email_bidx).executeTakeFirstOrThrow();
    const existing = await decryptCustomer(vault, found);
    await queueMail(trx, {
      kind: 'identity.register_attempt',
      to: input.email,
      subject: t(existing.locale, 'mailAttemptSubject', { shop: c.shopName }),
      text: t(existing.locale, 'mailAttemptBody', { name: existing.name, shop: c.shopName, url: signInUrl }),
    });
  });
}

/**
 * The customer with this e-mail and password, or null. A missing account costs the same argon2
 * verification as a wrong password (user enumeration by timing).
 */
export async function authenticateCustomer(data: PersonalData, emailAddress: string, password: string): Promise<(SignedInCustomer & { passwordResetRequired: boolean }) | null> {
  const { db, vault } = data;
  const found = await db.selectFrom('customer').select(['id', 'name', 'email', 'password_hash', 'password_reset_required']).where('email_bidx', '=', vault.emailIndex(emailAddress)).executeTakeFirst();
  if (!found) return verifyWithoutAccount(password).then(() => null);
  const row = await decryptCustomer(vault, found);
  if (!(await verifyPassword(row.password_hash, password))) return null;
  if (needsRehash(row.password_hash)) {
    await db.updateTable('customer').set({ password_hash: await hashPassword(password) }).where('id', '=', row.id).execute();
  }
  return { id: row.id, name: row.name, email: row.email, passwordResetRequired: row.password_reset_required };
}

export const changePasswordSchema = z.object({ current_password: currentPasswordField, new_password: newPasswordField('customer') });
export const changeEmailSchema = z.object({ email, current_password: currentPasswordField });

/** True when `password` is this customer's current password (the same argon2 cost either way). */
export async function checkCurrentPassword(db: Db, customerId: number, password: string): Promise<boolean> {
  const row = await db.selectFrom('customer').select('password_hash').where('id', '=', customerId).executeTakeFirst();
  if (!row) return verifyWithoutAccount(password);
  return verifyPassword(row.password_hash, password);
}

/**
 * Sets a new password for a signed-in customer (current password already checked). Every other
 * session of the account ends (a thief signed in elsewhere is out); this one stays. Mails the customer.
 */
export async function changePassword(db: Db, customerId: number, newPassword: string, keepSessionHash: string | null, client: ClientInfo, c: NoticeContext): Promise<void> {
  const passwordHash = await hashPassword(newPassword);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('customer').set({ password_hash: passwordHash, password_reset_required: false, updated_at: new Date() }).where('id', '=', customerId).execute();
    let sessions = trx.deleteFrom('session').where('customer_id', '=', customerId);
    if (keepSessionHash) sessions = sessions.where('id_hash', '!=', keepSessionHash);
    await sessions.execute();
    await trx.updateTable('password_reset').set({ used_at: new Date() }).where('customer_id', '=', customerId).where('used_at', 'is', null).execute();
    await notifyPasswordChanged(trx, customerId, client, c, 'change');
  });
}

/**
 * Changes a signed-in customer's e-mail address (current password already checked). Both the old
 * and the new address are told. Returns false when another account already uses the address.
 */
export async function changeEmail(db: Db, customerId: number, newEmail: string, client: ClientInfo, c: NoticeContext): Promise<'changed' | 'unchanged' | 'taken'> {
  const { vault } = c;
  const newIndex = vault.emailIndex(newEmail);
  const sealedEmail = await vault.encrypt({ table: 'customer', column: 'email', rowId: customerId }, newEmail); // before the transaction
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('customer').select(['id', 'email', 'email_bidx']).where('id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
    if (found.email_bidx === newIndex) return 'unchanged';
    const current = await decryptCustomer(vault, found);
    const other = await trx.selectFrom('customer').select('id').where('email_bidx', '=', newIndex).executeTakeFirst();
    if (other) return 'taken';
    await trx.updateTable('customer').set({ email: sealedEmail, email_bidx: newIndex, updated_at: new Date() }).where('id', '=', customerId).execute();
    await trx.updateTable('password_reset').set({ used_at: new Date() }).where('customer_id', '=', customerId).where('used_at', 'is', null).execute();
    await notifyEmailChanged(trx, customerId, current.email, client, c);
    return 'changed';
  });
}

export async function customerProfile(data: PersonalData, customerId: number) {
  const row = await data.db.selectFrom('customer').select(['id', 'name', 'name_kana', 'email', 'phone', 'created_at']).where('id', '=', customerId).executeTakeFirst();
  return row ? decryptCustomer(data.vault, row) : undefined;
}
