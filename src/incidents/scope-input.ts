import { prefectures } from '../platform/jp/prefectures.ts';
import type { ScopeCriteria } from './tables.ts';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const slug = /^[a-z0-9][a-z0-9-]{0,99}$/;
const split = (raw: string | undefined) => (raw ?? '').normalize('NFKC').split(/[\s,、，]+/).map((x) => x.trim()).filter(Boolean);

/** The scope form (and the CLI's flags): field name -> message key on error. Prefectures by their Japanese names. */
export function parseScope(v: Record<string, string | undefined>): { criteria?: ScopeCriteria; errors: Record<string, 'errDate' | 'errPrefecture' | 'errProducts'> } {
  const errors: Record<string, 'errDate' | 'errPrefecture' | 'errProducts'> = {};
  if (!isoDate.test(v.from ?? '') || Number.isNaN(Date.parse(v.from!))) errors.from = 'errDate';
  if (!isoDate.test(v.to ?? '') || Number.isNaN(Date.parse(v.to!)) || (v.from ?? '') > (v.to ?? '')) errors.to = 'errDate';
  const known = new Set(prefectures.map((p) => p.ja));
  const prefs = split(v.prefectures);
  if (prefs.some((p) => !known.has(p)) || prefs.length > 47) errors.prefectures = 'errPrefecture';
  const products = split(v.products).map((p) => p.toLowerCase());
  if (products.some((p) => !slug.test(p)) || products.length > 200) errors.products = 'errProducts';
  if (Object.keys(errors).length) return { errors };
  return {
    criteria: { from: v.from!, to: v.to!, cardOnly: v.card_only === '1', includeCustomers: v.customers === '1', ...(prefs.length ? { prefectures: [...new Set(prefs)] } : {}), ...(products.length ? { products: [...new Set(products)] } : {}) },
    errors,
  };
}
