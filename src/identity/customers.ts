import { z } from 'zod';
import type { Db } from '../platform/db/database.ts';
import { email, kana, phone, text } from '../platform/http/fields.ts';
import type { SignedInCustomer } from '../platform/http/request.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { t } from './messages.ts';
import { currentPasswordField, hashPassword, needsRehash, newPasswordField, verifyPassword, verifyWithoutAccount } from './passwords.ts';

const emptyToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

export const registrationSchema = z.object({
  name: text(100),
  name_kana: kana.optional().transform((v) => v ?? ''),
  email,
  password: newPasswordField('customer'),
  phone: z.preprocess(emptyToUndefined, phone.optional()),
});
export type Registration = z.output<typeof registrationSchema>;

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
export async function registerCustomer(db: Db, input: Registration, c: RegistrationContext): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  const signInUrl = `${c.publicUrl}/account/sign-in`;
  await db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('customer')
      .values({ email: input.email, password_hash: passwordHash, name: input.name, name_kana: input.name_kana, phone: input.phone ?? '', locale: c.locale })
      .onConflict((oc) => oc.column('email').doNothing())
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
    const existing = await trx.selectFrom('customer').select(['name', 'locale']).where('email', '=', input.email).executeTakeFirstOrThrow();
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
export async function authenticateCustomer(db: Db, emailAddress: string, password: string): Promise<SignedInCustomer | null> {
  const row = await db.selectFrom('customer').select(['id', 'name', 'email', 'password_hash']).where('email', '=', emailAddress).executeTakeFirst();
  if (!row) return verifyWithoutAccount(password).then(() => null);
  if (!(await verifyPassword(row.password_hash, password))) return null;
  if (needsRehash(row.password_hash)) {
    await db.updateTable('customer').set({ password_hash: await hashPassword(password) }).where('id', '=', row.id).execute();
  }
  return { id: row.id, name: row.name, email: row.email };
}

export async function customerProfile(db: Db, customerId: number) {
  return db.selectFrom('customer').select(['id', 'name', 'name_kana', 'email', 'phone', 'created_at']).where('id', '=', customerId).executeTakeFirst();
}
