import { isCiphertext } from './envelope.ts';
import { VaultError } from './errors.ts';
import type { Vault } from './vault.ts';

/**
 * For the card-number scan (T2/T5): decrypts, in memory, every stored value that is a vault ciphertext, so a card
 * number typed into an encrypted field (a shipping name, a note, a mail body) is still found. Works from the value
 * itself, not from the registry, so a column encrypted later is covered too. Plain values are scanned as stored.
 */
export function scanDecryptHook(vault: Vault) {
  return async (ref: { table: string; column: string; rowId: string | null }, stored: string): Promise<string | undefined> => {
    if (!isCiphertext(stored)) return undefined;
    if (ref.rowId === null) throw new VaultError('tampered', `${ref.table}.${ref.column}: a ciphertext in a table without a one-column primary key`);
    return vault.decrypt({ table: ref.table, column: ref.column, rowId: ref.rowId }, stored);
  };
}
