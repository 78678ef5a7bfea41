import { sql } from 'kysely';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/database.ts';
import { relyingParty, type RelyingParty } from './ceremony.ts';

/**
 * The console's own origin: ADMIN_URL (its own listener), else ADMIN_HOST on the shop's scheme, else the
 * shop's address. T4: a passkey made here is never offered to the storefront's host or a look-alike.
 */
export function adminOrigin(config: Pick<Config, 'adminUrl' | 'adminHost' | 'publicUrl'>): string {
  if (config.adminUrl) return config.adminUrl;
  if (config.adminHost) return `${new URL(config.publicUrl).protocol}//${config.adminHost}`;
  return config.publicUrl;
}

export function adminRelyingParty(config: Pick<Config, 'adminUrl' | 'adminHost' | 'publicUrl'>, shopName: string): RelyingParty {
  return relyingParty(adminOrigin(config), shopName ? `${shopName} 管理画面` : 'omamori', 'admin');
}

export function storeRelyingParty(config: Pick<Config, 'publicUrl'>, shopName: string): RelyingParty {
  return relyingParty(config.publicUrl, shopName, 'store');
}

export async function staffPasskeysRequired(db: Db): Promise<boolean> {
  const row = await db.selectFrom('staff_passkey_policy').select('required').where('id', '=', 1).executeTakeFirst();
  return row?.required === true;
}

export async function setStaffPasskeysRequired(db: Db, required: boolean, by: number | null): Promise<void> {
  await db
    .insertInto('staff_passkey_policy')
    .values({ id: 1, required, changed_by: by, changed_at: new Date() })
    .onConflict((oc) => oc.column('id').doUpdateSet({ required, changed_by: by, changed_at: new Date() }))
    .execute();
}

/** Active staff, and how many of them have at least one passkey (the security overview shows it). */
export async function staffPasskeyCounts(db: Db): Promise<{ n: number; all: number }> {
  const row = await db
    .selectFrom('staff')
    .select([sql<number>`count(*)::int`.as('all'), sql<number>`count(*) filter (where exists (select 1 from passkey where passkey.staff_id = staff.id))::int`.as('n')])
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  return { n: Number(row.n), all: Number(row.all) };
}
