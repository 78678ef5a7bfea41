import { createHmac } from 'node:crypto';
import { hkdf } from './aead.ts';

/**
 * Blind indexes: equality lookups on encrypted columns without decrypting every row.
 * index = HMAC-SHA256(K_index_name, normalize(value)), truncated to 64 bits, hex (16 characters).
 *
 * - K_index_name is derived by HKDF from the index root key (its own random key, wrapped by the master key like a
 *   data key, never the data key itself) with the label `omamori/blind-index/v1/<name>`: the e-mail index and the
 *   phone index of the same string differ, and indexes cannot be compared across stores.
 * - Truncation trade-off: a blind index leaks equality by design (two rows with the same e-mail have the same
 *   index; that is what makes sign-in lookup work). Shorter indexes add false matches (which the caller removes by
 *   decrypting the few candidates) and give some deniability, but a unique constraint on the index would then
 *   reject legitimate values. 64 bits keeps accidental collisions negligible (about n²/2⁶⁵: 3·10⁻⁸ for a million
 *   customers), so `unique (email_bidx)` is safe, while revealing nothing more than the equality the lookup needs.
 *   Without the key an attacker cannot test a guessed e-mail or phone against the dump (unlike a plain hash).
 */
export const INDEX_BYTES = 8;

export type IndexName = 'email' | 'phone' | 'name_prefix' | 'kana_prefix' | (string & {});

export function deriveIndexKey(root: Buffer, name: IndexName): Buffer {
  return hkdf(root, `omamori/blind-index/v1/${name}`);
}

export function indexToken(key: Buffer, normalized: string): string {
  return createHmac('sha256', key).update(normalized, 'utf8').digest().subarray(0, INDEX_BYTES).toString('hex');
}

/** E-mail: NFKC (full-width ＡＢＣ＠ becomes ABC@), trimmed, lower case (the whole address, as sign-in compares it). */
export function normalizeEmail(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

/** Phone: digits only after NFKC (full-width ０９０ and separators -, ー, spaces, parentheses all fold away). */
export function normalizePhone(value: string): string {
  return value.normalize('NFKC').replace(/\D/g, '');
}

/** Names and kana: NFKC, katakana to hiragana, lower case, without spaces. */
export function normalizeName(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .toLowerCase()
    .replace(/\s+/g, '');
}

/** The family name: the part before the first space (full-width or not), as Japanese names are written. */
export function familyName(value: string): string {
  return normalizeName(value.normalize('NFKC').trim().split(/\s+/)[0] ?? '');
}

/**
 * Prefix tokens for "name starts with" search: one token for the first character and one for the first two of the
 * family name. Search is possible by a prefix of 1 or 2 characters (longer input: the 2-character token finds the
 * candidates, then the caller decrypts and filters them). What it leaks: rows whose family names share their first
 * 1-2 characters share tokens, so an attacker with the dump sees the frequency distribution of name beginnings and
 * could guess that the most common token is 「さ」 (佐藤, 佐々木…); never a full name, never a value by itself.
 */
export const PREFIX_LENGTHS = [1, 2] as const;

export function prefixTokens(key: Buffer, name: string): string[] {
  const chars = [...familyName(name)];
  return PREFIX_LENGTHS.filter((n) => chars.length >= n).map((n) => indexToken(key, `${n}:${chars.slice(0, n).join('')}`));
}

/** The token to look up for a typed prefix (its first 2 characters at most); null for an empty prefix. */
export function prefixQuery(key: Buffer, prefix: string): string | null {
  const chars = [...normalizeName(prefix)];
  if (!chars.length) return null;
  const n = Math.min(chars.length, PREFIX_LENGTHS[PREFIX_LENGTHS.length - 1]!);
  return indexToken(key, `${n}:${chars.slice(0, n).join('')}`);
}
