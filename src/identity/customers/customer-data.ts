import type { Db } from '../../platform/db/database.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { EncryptedTableSpec, Vault } from '../../vault/index.ts';

/**
 * How customers and their addresses are stored (issue 5, principle 2; T1, T3, T4): every personal column is a vault
 * ciphertext bound to its table, column and row; lookups go through blind indexes (HMAC under the vault's index
 * key). Readers decrypt here and nowhere else, so the rest of the code sees plain objects.
 */
export interface PersonalData {
  db: Db;
  vault: Vault;
}

export const customerColumns = ['email', 'name', 'name_kana', 'phone'] as const;
// prefecture stays plain: shipping fees and regional reports need it, and alone it identifies nobody.
export const addressColumns = ['name', 'name_kana', 'postal_code', 'city', 'line1', 'line2', 'phone'] as const;

export type CustomerColumn = (typeof customerColumns)[number];
export type AddressColumn = (typeof addressColumns)[number];

/** The blind indexes of a customer row (what sign-in, duplicate checks and admin search look up). */
export function customerIndexes(vault: Vault, plain: { email: string; name: string; name_kana: string; phone: string }) {
  return {
    email_bidx: vault.emailIndex(plain.email),
    phone_bidx: plain.phone ? vault.phoneIndex(plain.phone) : null,
    search_tokens: [...vault.namePrefixTokens(plain.name, 'name'), ...vault.namePrefixTokens(plain.name_kana, 'kana')].join(' '),
  };
}

export function addressIndexes(vault: Vault, plain: { phone: string }) {
  return { phone_bidx: plain.phone ? vault.phoneIndex(plain.phone) : null };
}

/** Registry entries (src/vault/registry.ts): key rotation, and the encryption at start of rows written in plain text before 0033. */
export const customerEncryptedTable: EncryptedTableSpec = {
  table: 'customer',
  primaryKey: 'id',
  columns: [...customerColumns],
  encryptPlaintextAtStart: true,
  indexes: (vault, p) => customerIndexes(vault, { email: p.email ?? '', name: p.name ?? '', name_kana: p.name_kana ?? '', phone: p.phone ?? '' }),
};

export const addressEncryptedTable: EncryptedTableSpec = {
  table: 'customer_address',
  primaryKey: 'id',
  columns: [...addressColumns],
  encryptPlaintextAtStart: true,
  indexes: (vault, p) => addressIndexes(vault, { phone: p.phone ?? '' }),
};

/**
 * Decrypts one column value. An empty string (a column default) has nothing to protect and reads as empty;
 * anything else must be a ciphertext for exactly this row and column, or decryption fails (VaultError).
 */
async function open(vault: Vault, table: string, column: string, rowId: number, value: string): Promise<string> {
  return value === '' ? '' : vault.decrypt({ table, column, rowId }, value);
}

/** Decrypts the personal columns present in a customer row; every other property is kept. */
export async function decryptCustomer<R extends { id: number } & Partial<Record<CustomerColumn, string>>>(vault: Vault, row: R): Promise<R> {
  const out = { ...row };
  for (const c of customerColumns) if (typeof row[c] === 'string') (out as Record<string, unknown>)[c] = await open(vault, 'customer', c, row.id, row[c]);
  return out;
}

export async function decryptAddress<R extends { id: number } & Partial<Record<AddressColumn, string>>>(vault: Vault, row: R): Promise<R> {
  const out = { ...row };
  for (const c of addressColumns) if (typeof row[c] === 'string') (out as Record<string, unknown>)[c] = await open(vault, 'customer_address', c, row.id, row[c]);
  return out;
}

export async function encryptCustomer(vault: Vault, id: number, plain: Record<CustomerColumn, string>): Promise<Record<CustomerColumn, string>> {
  const out = {} as Record<CustomerColumn, string>;
  for (const c of customerColumns) out[c] = await vault.encrypt({ table: 'customer', column: c, rowId: id }, plain[c]);
  return out;
}

export async function encryptAddress(vault: Vault, id: number, plain: Record<AddressColumn, string>): Promise<Record<AddressColumn, string>> {
  const out = {} as Record<AddressColumn, string>;
  for (const c of addressColumns) out[c] = await vault.encrypt({ table: 'customer_address', column: c, rowId: id }, plain[c]);
  return out;
}

/** Encrypted columns and indexes of a customer, ready for `.values()` / `.set()`. Encrypt before a transaction. */
export async function sealCustomer(vault: Vault, id: number, plain: { email: string; name: string; name_kana?: string; phone?: string }) {
  const full = { email: plain.email, name: plain.name, name_kana: plain.name_kana ?? '', phone: plain.phone ?? '' };
  return { ...(await encryptCustomer(vault, id, full)), ...customerIndexes(vault, full) };
}

export async function sealAddress(vault: Vault, id: number, plain: Record<AddressColumn, string>) {
  return { ...(await encryptAddress(vault, id, plain)), ...addressIndexes(vault, plain) };
}

export interface NewCustomerRecord {
  email: string;
  name: string;
  name_kana?: string;
  phone?: string;
  password_hash: string;
  locale?: Locale;
  password_reset_required?: boolean;
}

/**
 * Inserts a customer with encrypted columns (the id is taken from the sequence first: it is bound into every
 * ciphertext). Throws on a duplicate e-mail (unique blind index). For code and tests that create customers
 * directly; registration goes through `registerCustomer`.
 */
export async function insertCustomerRecord(data: PersonalData, record: NewCustomerRecord): Promise<number> {
  const id = await data.vault.nextRowId(data.db, 'customer');
  const { email, name, name_kana, phone, ...rest } = record;
  const sealed = await sealCustomer(data.vault, id, { email, name, name_kana, phone });
  await data.db.insertInto('customer').values({ id, ...rest, ...sealed }).execute();
  return id;
}

/** Inserts an address with encrypted columns (tests and seeding; customers use `addAddress`). */
export async function insertAddressRecord(
  data: PersonalData,
  customerId: number,
  address: Omit<Record<AddressColumn, string>, 'name_kana' | 'line2'> & { name_kana?: string; line2?: string; prefecture: string; is_default?: boolean },
): Promise<number> {
  const id = await data.vault.nextRowId(data.db, 'customer_address');
  const { prefecture, is_default, name_kana, line2, ...rest } = address;
  const plain = { ...rest, name_kana: name_kana ?? '', line2: line2 ?? '' };
  await data.db
    .insertInto('customer_address')
    .values({ id, customer_id: customerId, prefecture, is_default: is_default ?? false, ...(await sealAddress(data.vault, id, plain)) })
    .execute();
  return id;
}
