import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../platform/db/database.ts';
import { addressFields, checkbox, postalCodeMatchesPrefecture, type Address } from '../../platform/http/fields.ts';
import { decryptAddress, sealAddress, type PersonalData } from './customer-data.ts';

export const maxAddresses = 20;

export const addressFormSchema = z.object({ ...addressFields, is_default: checkbox }).superRefine(postalCodeMatchesPrefecture);
export type AddressInput = z.output<typeof addressFormSchema>;
export type SavedAddress = Address & { id: number; isDefault: boolean };

const columns = ['id', 'name', 'name_kana', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'phone', 'is_default'] as const;

type AddressRow = { id: number; name: string; name_kana: string; postal_code: string; prefecture: string; city: string; line1: string; line2: string; phone: string; is_default: boolean };

async function toSaved(data: PersonalData, row: AddressRow): Promise<SavedAddress> {
  const { is_default, ...rest } = await decryptAddress(data.vault, row);
  return { ...rest, isDefault: is_default };
}

function plainOf(input: AddressInput) {
  const { is_default: _, prefecture, ...plain } = input;
  return { prefecture, plain };
}

/** Every query below is scoped by customer_id: another customer's address id simply does not exist (IDOR). */
export async function listAddresses(data: PersonalData, customerId: number): Promise<SavedAddress[]> {
  const rows = await data.db.selectFrom('customer_address').select(columns).where('customer_id', '=', customerId).orderBy('is_default', 'desc').orderBy('id').execute();
  return Promise.all(rows.map((row) => toSaved(data, row)));
}

export async function findAddress(data: PersonalData, customerId: number, id: number): Promise<SavedAddress | null> {
  const row = await data.db.selectFrom('customer_address').select(columns).where('customer_id', '=', customerId).where('id', '=', id).executeTakeFirst();
  return row ? toSaved(data, row) : null;
}

/** Adds an address; the first one becomes the default. Returns null when the book is full. */
export async function addAddress(data: PersonalData, customerId: number, input: AddressInput): Promise<number | null> {
  const { db, vault } = data;
  // Encrypted before the transaction: the row id is bound into each value (a full book only wastes a sequence number).
  const id = await vault.nextRowId(db, 'customer_address');
  const { prefecture, plain } = plainOf(input);
  const sealed = await sealAddress(vault, id, plain);
  return db.transaction().execute(async (trx) => {
    // Lock the customer row so two concurrent adds cannot both pass the limit or both become default.
    await trx.selectFrom('customer').select('id').where('id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
    const { n } = await trx.selectFrom('customer_address').select(sql<number>`count(*)::int`.as('n')).where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    if (n >= maxAddresses) return null;
    const makeDefault = input.is_default || n === 0;
    if (makeDefault) await trx.updateTable('customer_address').set({ is_default: false }).where('customer_id', '=', customerId).execute();
    const row = await trx.insertInto('customer_address').values({ id, ...sealed, prefecture, customer_id: customerId, is_default: makeDefault }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  });
}

/** False when the address is not this customer's. */
export async function updateAddress(data: PersonalData, customerId: number, id: number, input: AddressInput): Promise<boolean> {
  const { db, vault } = data;
  const { prefecture, plain } = plainOf(input);
  const sealed = await sealAddress(vault, id, plain);
  return db.transaction().execute(async (trx) => {
    const makeDefault = input.is_default;
    const updated = await trx.updateTable('customer_address').set({ ...sealed, prefecture }).where('customer_id', '=', customerId).where('id', '=', id).executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    if (makeDefault) await setDefaultIn(trx, customerId, id);
    return true;
  });
}

export async function setDefaultAddress(db: Db, customerId: number, id: number): Promise<boolean> {
  return db.transaction().execute((trx) => setDefaultIn(trx, customerId, id));
}

async function setDefaultIn(trx: Db, customerId: number, id: number): Promise<boolean> {
  const exists = await trx.selectFrom('customer_address').select('id').where('customer_id', '=', customerId).where('id', '=', id).executeTakeFirst();
  if (!exists) return false;
  await trx
    .updateTable('customer_address')
    .set({ is_default: sql<boolean>`id = ${id}` })
    .where('customer_id', '=', customerId)
    .execute();
  return true;
}

/** Deletes an address; when it was the default, the oldest remaining one takes its place. */
export async function deleteAddress(db: Db, customerId: number, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('customer_address').where('customer_id', '=', customerId).where('id', '=', id).returning('is_default').executeTakeFirst();
    if (!removed) return false;
    if (removed.is_default) {
      const next = await trx.selectFrom('customer_address').select('id').where('customer_id', '=', customerId).orderBy('id').limit(1).executeTakeFirst();
      if (next) await trx.updateTable('customer_address').set({ is_default: true }).where('id', '=', next.id).execute();
    }
    return true;
  });
}
