import { openOutboxRow } from '../src/platform/mail/outbox-fields.ts';
import type { TestStore } from './harness.ts';

/**
 * Mail in the outbox, decrypted as the store reads it (the outbox columns are vault ciphertexts; a recipient is
 * found by its blind index), oldest first.
 */
export async function mailsTo(store: TestStore, to: string, kind?: string) {
  let q = store.ctx.db.selectFrom('mail_outbox').select(['id', 'kind', 'to_address', 'subject', 'text_body', 'html_body', 'status']).where('to_bidx', '=', store.ctx.vault.emailIndex(to));
  if (kind) q = q.where('kind', '=', kind);
  const rows = await q.orderBy('id').execute();
  return Promise.all(rows.map((r) => openOutboxRow(store.ctx.vault, r)));
}

/** Every mail in the outbox (of one kind), decrypted, oldest first. */
export async function allMails(store: TestStore, kind?: string) {
  let q = store.ctx.db.selectFrom('mail_outbox').select(['id', 'kind', 'to_address', 'subject', 'text_body', 'html_body', 'status']);
  if (kind) q = q.where('kind', '=', kind);
  const rows = await q.orderBy('id').execute();
  return Promise.all(rows.map((r) => openOutboxRow(store.ctx.vault, r)));
}
