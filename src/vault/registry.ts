/**
 * An encrypted table: its primary key and the columns holding `v1.` ciphertexts. Rotation (`omamori keys rotate
 * --dek TABLE`) and the initial encryption of existing plain text work from these entries.
 *
 * NEXT STEP (issue 5, applying field encryption): list customer, customer_address and orders here, e.g.
 *   { table: 'customer', primaryKey: 'id', columns: ['email', 'name', 'name_kana', 'phone'] }
 */
export interface EncryptedTableSpec {
  table: string;
  primaryKey: string;
  columns: string[];
}

export const encryptedTables: EncryptedTableSpec[] = [];

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
