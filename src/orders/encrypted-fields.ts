import type { EncryptedTableSpec, Vault } from '../vault/index.ts';
import type { OrderRow } from './model.ts';

/**
 * Which order columns are personal data, stored as vault ciphertexts bound to (orders, column, order id).
 * T1/T4 (Tully's, FM Tokyo): a stolen dump or a pulled order table yields no name, address, phone or e-mail.
 * ship_prefecture stays plain: shipping-fee and tax reports group by it, and a prefecture alone identifies nobody.
 */
export const orderPersonalColumns = ['email', 'ship_name', 'ship_name_kana', 'ship_postal_code', 'ship_city', 'ship_line1', 'ship_line2', 'ship_phone', 'note'] as const;
export type OrderPersonalColumn = (typeof orderPersonalColumns)[number];
export type OrderPersonalValues = Record<OrderPersonalColumn, string>;

/** Blind indexes beside the ciphertexts, so admin search by exact e-mail, exact phone and name prefix still works. */
export function orderIndexes(vault: Vault, plain: Partial<Record<OrderPersonalColumn, string | null>>): { email_bidx: string | null; phone_bidx: string | null; name_tokens: string[] } {
  const tokens = [...(plain.ship_name ? vault.namePrefixTokens(plain.ship_name, 'name') : []), ...(plain.ship_name_kana ? vault.namePrefixTokens(plain.ship_name_kana, 'kana') : [])];
  return {
    email_bidx: plain.email ? vault.emailIndex(plain.email) : null,
    phone_bidx: plain.ship_phone ? vault.phoneIndex(plain.ship_phone) : null,
    name_tokens: tokens,
  };
}

/** The registry entry: `omamori keys rotate --dek orders`, and the start-up encryption of rows written before 0035. */
export const ordersEncryptedTable: EncryptedTableSpec = {
  table: 'orders',
  primaryKey: 'id',
  columns: [...orderPersonalColumns],
  // Tokens are hex, so the array literal needs no quoting.
  indexes: (vault, plain) => {
    const ix = orderIndexes(vault, plain);
    return { email_bidx: ix.email_bidx, phone_bidx: ix.phone_bidx, name_tokens: `{${ix.name_tokens.join(',')}}` };
  },
};

/**
 * Staff notes on status changes quote buyers too ("called 090-…, will be out on Tuesday"): encrypted when not
 * empty ('' reveals nothing and is what retention writes).
 */
export const orderEventsEncryptedTable: EncryptedTableSpec = { table: 'order_event', primaryKey: 'id', columns: ['note'] };

export async function sealEventNote(vault: Vault, eventId: number, note: string): Promise<string> {
  return note === '' ? '' : vault.encrypt({ table: 'order_event', column: 'note', rowId: eventId }, note);
}

export async function openEventNote(vault: Vault, eventId: number, stored: string): Promise<string> {
  return stored === '' ? '' : vault.decrypt({ table: 'order_event', column: 'note', rowId: eventId }, stored);
}

/** Ciphertexts of an order's personal columns, for the INSERT of row `id` (see vault.nextRowId). */
export async function sealOrder(vault: Vault, id: number, values: OrderPersonalValues): Promise<OrderPersonalValues> {
  return (await vault.encryptRow('orders', id, values)) as OrderPersonalValues;
}

/** An order row with its personal columns decrypted (in memory only). */
export async function openOrderRow<R extends Pick<OrderRow, 'id'> & Partial<Pick<OrderRow, OrderPersonalColumn>>>(vault: Vault, row: R): Promise<R> {
  const present = orderPersonalColumns.filter((c) => typeof row[c] === 'string' && row[c] !== ''); // '' only in rows never encrypted
  const out = { ...row } as Record<string, unknown>;
  for (const column of present) out[column] = await vault.decrypt({ table: 'orders', column, rowId: row.id }, row[column] as string);
  return out as R;
}
