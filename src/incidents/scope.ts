import { sql } from 'kysely';
import type { IncidentDb, ScopeCriteria } from './tables.ts';
import { addEvent } from './timeline.ts';

const batchSize = 5_000;

/** The data kinds an affected person had, as counted: orders carry name, address, phone, e-mail and history. */
export const dataKinds = ['name', 'email', 'address', 'phone', 'order_history', 'card_brand_last4', 'password_hash'] as const;
export type DataKind = (typeof dataKinds)[number];

export interface ScopeResult {
  scopeId: number;
  total: number;
  cardPeople: number;
  counts: Record<DataKind, number>;
}

/**
 * Who is affected, by keyset pages over the orders (and customers) of the window: one row per person in
 * incident_affected (a registered customer once, a guest per order). Only ids and flags are read, never an
 * encrypted column, so a million orders are scoped by the database in bounded memory.
 */
export async function runScope(db: IncidentDb, incidentId: number, criteria: ScopeCriteria, staffId: number | null): Promise<ScopeResult> {
  const from = new Date(`${criteria.from}T00:00:00+09:00`);
  const to = new Date(new Date(`${criteria.to}T00:00:00+09:00`).getTime() + 86_400_000); // the whole last day (JST)
  const { id: scopeId } = await db.insertInto('incident_scope').values({ incident_id: incidentId, created_by: staffId, criteria: JSON.stringify(criteria), counts: '{}' }).returning('id').executeTakeFirstOrThrow();
  const prefs = criteria.prefectures?.length ? criteria.prefectures : null;
  const products = criteria.products?.length ? criteria.products : null;
  // Prefecture and product names are plain columns (the address lines and names are the encrypted ones).
  const card = sql`${criteria.cardOnly ? sql`and payment_method = 'card'` : sql``}
    ${prefs ? sql`and ship_prefecture in (${sql.join(prefs)})` : sql``}
    ${products ? sql`and exists (select 1 from order_line l join variant v on v.id = l.variant_id join product p on p.id = v.product_id where l.order_id = orders.id and p.slug in (${sql.join(products)}))` : sql``}`;
  const customerPref = prefs ? sql`and exists (select 1 from customer_address a where a.customer_id = customer.id and a.prefecture in (${sql.join(prefs)}))` : sql``;
  for (let after = 0; ; ) {
    const { last } = await sql<{ last: number | null }>`select max(id)::int as last from (select id from orders where id > ${after} and placed_at >= ${from} and placed_at < ${to} ${card} order by id limit ${batchSize}) b`
      .execute(db)
      .then((r) => r.rows[0]!);
    if (last === null) break;
    await sql`insert into incident_affected (scope_id, subject, customer_id, order_id, card)
      select ${scopeId}, subject, max(customer_id), max(id), bool_or(payment_method = 'card')
      from (select id, customer_id, payment_method, case when customer_id is null then 'o:' || id else 'c:' || customer_id end as subject
            from orders where id > ${after} and id <= ${last} and placed_at >= ${from} and placed_at < ${to} ${card}) b
      group by subject
      on conflict (scope_id, subject) do update set card = incident_affected.card or excluded.card, order_id = coalesce(incident_affected.order_id, excluded.order_id)`.execute(db);
    after = last;
  }
  if (criteria.includeCustomers && !products) {
    for (let after = 0; ; ) {
      const { last } = await sql<{ last: number | null }>`select max(id)::int as last from (select id from customer where id > ${after} and ((created_at >= ${from} and created_at < ${to}) or (last_sign_in_at >= ${from} and last_sign_in_at < ${to})) ${customerPref} order by id limit ${batchSize}) b`
        .execute(db)
        .then((r) => r.rows[0]!);
      if (last === null) break;
      await sql`insert into incident_affected (scope_id, subject, customer_id, order_id, card)
        select ${scopeId}, 'c:' || id, id, null, false from customer
        where id > ${after} and id <= ${last} and ((created_at >= ${from} and created_at < ${to}) or (last_sign_in_at >= ${from} and last_sign_in_at < ${to})) ${customerPref}
        on conflict (scope_id, subject) do nothing`.execute(db);
      after = last;
    }
  }
  const c = await db
    .selectFrom('incident_affected')
    .select([
      sql<number>`count(*)::int`.as('total'),
      sql<number>`(count(*) filter (where card))::int`.as('card'),
      sql<number>`(count(*) filter (where order_id is not null))::int`.as('orders'),
      sql<number>`(count(*) filter (where customer_id is not null))::int`.as('customers'),
    ])
    .where('scope_id', '=', scopeId)
    .executeTakeFirstOrThrow();
  const counts: Record<DataKind, number> = {
    name: c.total,
    email: c.total,
    address: c.orders,
    phone: c.orders,
    order_history: c.orders,
    card_brand_last4: c.card,
    password_hash: criteria.includeCustomers && !products ? c.customers : 0,
  };
  await db.updateTable('incident_scope').set({ counts: JSON.stringify({ ...counts, total: c.total, card: c.card }), total: c.total }).where('id', '=', scopeId).execute();
  await addEvent(db, incidentId, staffId, 'scoped', { scope_id: scopeId, total: c.total, card: c.card, criteria: { ...criteria } });
  return { scopeId, total: c.total, cardPeople: c.card, counts };
}

export async function latestScope(db: IncidentDb, incidentId: number) {
  return db.selectFrom('incident_scope').selectAll().where('incident_id', '=', incidentId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}
