import type { Vault } from './vault.ts';

/**
 * An encrypted table: its primary key and the columns holding `v1.` ciphertexts. Rotation (`omamori keys rotate
 * --dek TABLE`) and the initial encryption of existing plain text work from these entries.
 *
 * Side tables checked for personal data and left plain on purpose (issue 5, "side tables count too"):
 * - cart, cart_item: token hash, ids, quantities;
 *   checkout_network: a keyed blind index of the client network (issue 10), never the address.
 * - alert.detail and audit_entry (object type/id, detail): ids, field names and counts by contract, never a value
 *   (raiseAlert / record.ts); the audit chain hashes these bytes, so they could not be re-encrypted anyway.
 * - IP and user agent of sessions and audit entries: needed in clear to investigate an intrusion and shown to the
 *   account holder in notices; sessions expire and are deleted, audit entries are staff-side evidence (T4).
 * - payment_attempt, guard_event: keyed hashes of IPs and digits only.
 */
export interface EncryptedTableSpec {
  table: string;
  primaryKey: string;
  columns: string[];
  /** Rows written before the table was encrypted are encrypted at start, in batches (src/vault/initial-encryption.ts). */
  encryptPlaintextAtStart?: boolean;
  /** Blind-index columns computed from a row's plain values, written with its first encryption. */
  indexes?: (vault: Vault, plain: Record<string, string | null>) => Record<string, string | null>;
}


// Lower-case identifiers not starting with '_' (scopes such as '_index' are the vault's own, never a table).
const IDENT = /^[a-z][a-z0-9_]{0,62}$/;

/** Identifiers go into SQL as quoted identifiers (sql.ref); still, accept only plain lower-case names. */
export function checkSpec(spec: EncryptedTableSpec): EncryptedTableSpec {
  for (const name of [spec.table, spec.primaryKey, ...spec.columns]) {
    if (!IDENT.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  }
  if (!spec.columns.length) throw new Error(`${spec.table}: no encrypted columns given`);
  if (spec.columns.includes(spec.primaryKey)) throw new Error(`${spec.table}: the primary key cannot be encrypted (it is the row id bound into every value)`);
  return spec;
}
