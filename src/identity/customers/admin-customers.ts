import { sql } from 'kysely';
import { normalizeName, normalizePhone } from '../../vault/index.ts';
import { decryptCustomer, type PersonalData } from './customer-data.ts';

export const customersPerPage = 50;
/** A prefix longer than the indexed 2 characters: at most this many candidates are decrypted and filtered. */
export const prefixCandidateLimit = 2000;

/**
 * What the search box can find now that personal columns are encrypted (T1, T4): only what a blind index allows.
 * - an e-mail address (contains "@"): exact, whole address (case and full-width folded);
 * - a phone number (digits and separators only): exact, the customer's or one of their saved addresses';
 * - anything else: the beginning of the family name or its kana reading (1-2 characters through the token index;
 *   longer input narrows those candidates after decryption).
 * No substring or partial e-mail search: a masked role could otherwise recover addresses character by character.
 */
export type CustomerQuery = { kind: 'all' } | { kind: 'email'; value: string } | { kind: 'phone'; value: string } | { kind: 'name'; value: string };

export function classifyQuery(q: string): CustomerQuery {
  const value = q.normalize('NFKC').trim();
  if (!value) return { kind: 'all' };
  if (value.includes('@')) return { kind: 'email', value };
  if (/^[\d\s()+\-‐ー－]+$/.test(value) && normalizePhone(value).length > 0) return { kind: 'phone', value };
  return { kind: 'name', value };
}

const listColumns = ['id', 'name', 'name_kana', 'email', 'phone', 'created_at'] as const;

/**
 * One page of customers, newest first, optionally filtered (see `classifyQuery`). Pages are bounded, so no single
 * request returns the whole customer list (T4).
 */
export async function searchCustomers(data: PersonalData, opts: { q: string; page: number }) {
  const { db, vault } = data;
  const query = classifyQuery(opts.q);
  let select = db.selectFrom('customer').select(listColumns);
  let narrow: string | null = null;
  if (query.kind === 'email') select = select.where('email_bidx', '=', vault.emailIndex(query.value));
  if (query.kind === 'phone') {
    const index = vault.phoneIndex(query.value);
    select = select.where((eb) =>
      eb.or([eb('phone_bidx', '=', index), eb.exists(eb.selectFrom('customer_address').select('customer_address.id').whereRef('customer_address.customer_id', '=', 'customer.id').where('customer_address.phone_bidx', '=', index))]),
    );
  }
  if (query.kind === 'name') {
    const tokens = [vault.namePrefixQuery(query.value, 'name'), vault.namePrefixQuery(query.value, 'kana')].filter((x): x is string => x !== null);
    if (!tokens.length) return { customers: [], hasNext: false };
    select = select.where(sql<boolean>`string_to_array(search_tokens, ' ') && array[${sql.join(tokens)}]::text[]`);
    if ([...normalizeName(query.value)].length > 2) narrow = normalizeName(query.value);
  }
  const offset = (opts.page - 1) * customersPerPage;
  if (narrow === null) {
    const rows = await select.orderBy('id', 'desc').limit(customersPerPage + 1).offset(offset).execute();
    const customers = await Promise.all(rows.slice(0, customersPerPage).map((r) => decryptCustomer(vault, r)));
    return { customers, hasNext: rows.length > customersPerPage };
  }
  // Longer prefix: the 2-character token's candidates, decrypted and filtered here (bounded).
  const candidates = await select.orderBy('id', 'desc').limit(prefixCandidateLimit).execute();
  const matching = [];
  for (const row of candidates) {
    const c = await decryptCustomer(vault, row);
    if (normalizeName(c.name).startsWith(narrow) || normalizeName(c.name_kana).startsWith(narrow)) matching.push(c);
  }
  return { customers: matching.slice(offset, offset + customersPerPage), hasNext: matching.length > offset + customersPerPage };
}

export async function customerDetail(data: PersonalData, id: number) {
  const { db, vault } = data;
  const row = await db.selectFrom('customer').select(['id', 'name', 'name_kana', 'email', 'phone', 'locale', 'created_at', 'last_sign_in_at']).where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const customer = await decryptCustomer(vault, row);
  // Admin read of another domain's table, allowed for dashboards: only the count.
  const { n } = await db.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).where('customer_id', '=', id).executeTakeFirstOrThrow();
  return { ...customer, orderCount: n };
}
