import type { FieldSealer } from '../crypto/field-sealer.ts';

/**
 * The outbox copies a customer's name, address, order and e-mail address into every mail (T1/T2: Color Me Shop's
 * data sat where nobody expected). Every column that can hold them is a vault ciphertext bound to (mail_outbox,
 * column, mail id); `to_bidx` (the recipient's blind index) finds a customer's mail without decrypting the outbox.
 * last_error is encrypted too: SMTP servers quote the recipient's address in their refusals.
 */
export const outboxSealedColumns = ['to_address', 'subject', 'text_body', 'html_body', 'last_error'] as const;
type SealedColumn = (typeof outboxSealedColumns)[number];

export function sealOutboxField(vault: FieldSealer, id: number, column: SealedColumn, value: string): Promise<string>;
export function sealOutboxField(vault: FieldSealer, id: number, column: SealedColumn, value: string | null): Promise<string | null>;
export function sealOutboxField(vault: FieldSealer, id: number, column: SealedColumn, value: string | null): Promise<string | null> {
  return vault.encryptNullable({ table: 'mail_outbox', column, rowId: id }, value);
}

/** A mail row with its sealed columns decrypted (in memory only). */
export async function openOutboxRow<R extends { id: number } & Partial<Record<SealedColumn, string | null>>>(vault: FieldSealer, row: R): Promise<R> {
  const out = { ...row } as Record<string, unknown>;
  for (const column of outboxSealedColumns) {
    if (typeof row[column] === 'string') out[column] = await vault.decrypt({ table: 'mail_outbox', column, rowId: row.id }, row[column] as string);
  }
  return out as R;
}
