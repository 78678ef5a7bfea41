import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/database.ts';
import { requireSealer, type FieldSealer } from '../crypto/field-sealer.ts';
import { enqueueJob, TransientJobError, type JobRunner } from '../jobs/queue.ts';
import { activeDkimKey, senderDomain, type DkimSigningKey } from './dkim.ts';
import { mailFooter } from './footer.ts';
import { openOutboxRow, sealOutboxField } from './outbox-fields.ts';

export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Queues a mail in the caller's transaction; it is sent (or kept in the outbox) after commit. Recipient, subject
 * and bodies are encrypted with the vault bound to `trx` (ctx.db): a handle without it is refused (T1).
 */
export async function queueMail(trx: Db, message: MailMessage): Promise<number> {
  const vault = requireSealer(trx, 'queueMail');
  const id = await vault.nextRowId(trx, 'mail_outbox');
  const toBidx = vault.emailIndex(message.to);
  // Issue 17: a mail to a customer account's address is listed in that account ("Mail from us"), and says so.
  const listedInAccount = (await trx.selectFrom('customer').select('id').where('email_bidx', '=', toBidx).executeTakeFirst()) !== undefined;
  const footer = mailFooter({ listedInAccount, siteUrl: mailSiteUrl() });
  const text = message.text.endsWith('\n') ? message.text.replace(/\n+$/, '') + footer : message.text + footer;
  await trx
    .insertInto('mail_outbox')
    .values({
      id,
      kind: message.kind,
      to_address: await sealOutboxField(vault, id, 'to_address', message.to),
      to_bidx: toBidx,
      subject: await sealOutboxField(vault, id, 'subject', message.subject),
      text_body: await sealOutboxField(vault, id, 'text_body', text),
      html_body: await sealOutboxField(vault, id, 'html_body', message.html ?? null),
    })
    .execute();
  await enqueueJob(trx, 'mail.send', { outboxId: id });
  return id;
}

/** The shop's address named in every mail's footer; set once at start (`setMailSiteUrl`, read when a mail is queued). */
let mailSiteUrl: () => string = () => 'http://localhost';
export function setMailSiteUrl(url: () => string): void {
  mailSiteUrl = url;
}

// Loaded only when SMTP_URL is set: the embedded default keeps mail in the outbox and needs no SMTP client in memory.
const loadNodemailer = () => createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');

/** Simultaneous SMTP connections (and mail.send jobs) per instance when MAIL_CONCURRENCY is not set. */
export const defaultMailConcurrency = 4;

/** MAIL_CONCURRENCY: a whole number from 1 to 50; anything else is refused at start. */
export function mailConcurrencyFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MAIL_CONCURRENCY?.trim();
  if (!raw) return defaultMailConcurrency;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`MAIL_CONCURRENCY must be a whole number from 1 to 50 (got "${raw}")`);
  return n;
}

/**
 * Delivers queued mail through SMTP when SMTP_URL is set. Without it (the embedded default),
 * mail is kept in the outbox, where staff can read it in the admin console.
 * Up to `concurrency` mails are in flight at once (MAIL_CONCURRENCY, default 4: what a small shop's mail server or
 * relay accepts from one client), over a pool of as many SMTP connections kept open and reused from mail to mail.
 */
export function registerMailDelivery(db: Db, jobs: JobRunner, opts: { smtpUrl: string | undefined; from: string; concurrency?: number }) {
  const concurrency = opts.concurrency ?? mailConcurrencyFrom();
  // Bounded waits: a mail server that accepts the connection and then stalls cannot hold a job past its lease
  // (5 minutes), after which another instance would send the same mail again.
  const transport: Transporter | undefined = opts.smtpUrl
    ? loadNodemailer().createTransport({ url: opts.smtpUrl, pool: true, maxConnections: concurrency, maxMessages: 1000, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 })
    : undefined;
  const vault = requireSealer(db, 'mail delivery');
  // T4: every mail is DKIM-signed with the active key; read again a minute after use, so a rotation applies soon.
  // The PEM is parsed once into a KeyObject: parsing it again for every signature cost more than the RSA signing.
  let dkim: { key: (Omit<DkimSigningKey, 'privateKey'> & { privateKey: KeyObject }) | null; at: number } | null = null;
  const signingKey = async () => {
    if (!dkim || Date.now() - dkim.at > 60_000) {
      const key = await activeDkimKey(db, vault);
      dkim = { key: key ? { ...key, privateKey: createPrivateKey(key.privateKey) } : null, at: Date.now() };
    }
    return dkim.key;
  };
  jobs.register('mail.send', async (payload) => {
    const id = Number(payload.outboxId);
    const stored = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    if (!stored || stored.status === 'sent' || stored.status === 'kept') return;
    const mail = await openOutboxRow(vault, stored); // decrypted in memory, for the SMTP peer only
    if (!transport) {
      await db.updateTable('mail_outbox').set({ status: 'kept' }).where('id', '=', id).execute();
      return;
    }
    try {
      // One Message-ID per outbox row, the same on every attempt: if the database fails between the server accepting
      // a mail and the row being marked sent, the retry is recognisable as the same message (mail clients merge it).
      const messageId = `<omamori.${id}.${new Date(stored.created_at).getTime()}@${senderDomain(opts.from)}>`;
      const key = await signingKey();
      // nodemailer hands privateKey to crypto Sign.sign, which takes a KeyObject (its typings say string only).
      await transport.sendMail({ from: opts.from, to: mail.to_address, subject: mail.subject, text: mail.text_body, messageId, ...(mail.html_body ? { html: mail.html_body } : {}), ...(key ? { dkim: key as unknown as DkimSigningKey } : {}) });
      await db.updateTable('mail_outbox').set({ status: 'sent', sent_at: new Date(), attempts: mail.attempts + 1 }).where('id', '=', id).execute();
    } catch (err) {
      const lastError = await sealOutboxField(vault, id, 'last_error', String((err as Error).message).slice(0, 500));
      await db.updateTable('mail_outbox').set({ attempts: mail.attempts + 1, last_error: lastError }).where('id', '=', id).execute();
      // The server unreachable or "try again later" (4xx): the mail waits in the outbox however long that lasts.
      if (smtpTransient(err)) throw new TransientJobError(`SMTP unavailable: ${(err as Error).message}`, { cause: err });
      // A permanent rejection of the recipient (5xx to RCPT TO: unknown user, mailbox gone) is a bounce: retrying
      // cannot succeed, and the incident console sends those people a letter instead (issue 13).
      if (smtpRejectedRecipient(err)) {
        await db.updateTable('mail_outbox').set({ status: 'failed' }).where('id', '=', id).execute();
        return;
      }
      throw err;
    }
  }, { concurrency });
  return { close: () => transport?.close() };
}

const transientCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Connection failures and 4xx replies are temporary by SMTP's own rules (RFC 5321 4.2.1); 5xx replies are not. */
export function smtpTransient(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown };
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return typeof e.code === 'string' && transientCodes.has(e.code);
}

/** A 5xx reply naming the recipient (nodemailer: EENVELOPE, every recipient refused). */
export function smtpRejectedRecipient(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown };
  return e.code === 'EENVELOPE' && typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
}
