import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../platform/db/database.ts';
import { addressFields, checkbox, type Address } from '../platform/http/fields.ts';

export const maxAddresses = 20;

export const addressFormSchema = z.object({ ...addressFields, is_default: checkbox });
export type AddressInput = z.output<typeof addressFormSchema>;
export type SavedAddress = Address & { id: number; isDefault: boolean };

const columns = ['id', 'name', 'name_kana', 'postal_code', 'prefecture', 'city', 'line1', 'line2', 'phone', 'is_default'] as const;

function toSaved(row: { id: number; name: string; name_kana: string; postal_code: string; prefecture: string; city: string; line1: string; line2: string; phone: string; is_default: boolean }): SavedAddress {
  const { is_default, ...rest } = row;
  return { ...rest, isDefault: is_default };
}

/** Every query below is scoped by customer_id: another customer's address id simply does not exist (IDOR). */
export async function listAddresses(db: Db, customerId: number): Promise<SavedAddress[]> {
  const rows = await db.selectFrom('customer_address').select(columns).where('customer_id', '=', customerId).orderBy('is_default', 'desc').orderBy('id').execute();
  return rows.map(toSaved);
}

export async function findAddress(db: Db, customerId: number, id: number): Promise<SavedAddress | null> {
  const row = await db.selectFrom('customer_address').select(columns).where('customer_id', '=', customerId).where('id', '=', id).executeTakeFirst();
  return row ? toSaved(row) : null;
}

/** Adds an address; the first one becomes the default. Returns null when the book is full. */
export async function addAddress(db: Db, customerId: number, input: AddressInput): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    // Lock the customer row so two concurrent adds cannot both pass the limit or both become default.
    await trx.selectFrom('customer').select('id').where('id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
    const { n } = await trx.selectFrom('customer_address').select(sql<number>`count(*)::int`.as('n')).where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    if (n >= maxAddresses) return null;
    const makeDefault = input.is_default || n === 0;
    if (makeDefault) await trx.updateTable('customer_address').set({ is_default: false }).where('customer_id', '=', customerId).execute();
    const { is_default: _, ...fields } = input;
    const row = await trx.insertInto('customer_address').values({ ...fields, customer_id: customerId, is_default: makeDefault }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  });
}

/** False when the address is not this customer's. */
export async function updateAddress(db: Db, customerId: number, id: number, input: AddressInput): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { is_default: makeDefault, ...fields } = input;
    const updated = await trx.updateTable('customer_address').set(fields).where('customer_id', '=', customerId).where('id', '=', id).executeTakeFirst();
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
