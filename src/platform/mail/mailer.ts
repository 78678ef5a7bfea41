import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '../db/database.ts';
import { enqueueJob, type JobRunner } from '../jobs/queue.ts';

export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Queues a mail in the caller's transaction; it is sent (or kept in the outbox) after commit. */
export async function queueMail(trx: Db, message: MailMessage): Promise<void> {
  const row = await trx
    .insertInto('mail_outbox')
    .values({ kind: message.kind, to_address: message.to, subject: message.subject, text_body: message.text, html_body: message.html ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await enqueueJob(trx, 'mail.send', { outboxId: row.id });
}

/**
 * Delivers queued mail through SMTP when SMTP_URL is set. Without it (the embedded default),
 * mail is kept in the outbox, where staff can read it in the admin console.
 */
export function registerMailDelivery(db: Db, jobs: JobRunner, opts: { smtpUrl: string | undefined; from: string }) {
  const transport: Transporter | undefined = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : undefined;
  jobs.register('mail.send', async (payload) => {
    const id = Number(payload.outboxId);
    const mail = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    if (!mail || mail.status === 'sent' || mail.status === 'kept') return;
    if (!transport) {
      await db.updateTable('mail_outbox').set({ status: 'kept' }).where('id', '=', id).execute();
      return;
    }
    try {
      await transport.sendMail({ from: opts.from, to: mail.to_address, subject: mail.subject, text: mail.text_body, ...(mail.html_body ? { html: mail.html_body } : {}) });
      await db.updateTable('mail_outbox').set({ status: 'sent', sent_at: new Date(), attempts: mail.attempts + 1 }).where('id', '=', id).execute();
    } catch (err) {
      await db.updateTable('mail_outbox').set({ attempts: mail.attempts + 1, last_error: String((err as Error).message).slice(0, 500) }).where('id', '=', id).execute();
      throw err;
    }
  });
  return { close: () => transport?.close() };
}
