/**
 * One spelling for what a shopper types and what the catalog stores, so コーヒー, こーひー, ｺｰﾋｰ and
 * コーヒ all meet: NFKC (half/full width), lower case, katakana folded to hiragana, long-vowel marks
 * dropped (ー and its look-alikes; "コーヒ" and "コーヒー" then agree), and spaces and punctuation
 * removed. Symbols a shopper may mean literally (%, _, &, +, #) are kept.
 */
export function normalizeSearch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u30a1-\u30f6\u30fd\u30fe]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/[ー〜～\u2010-\u2015\u2212\uff70-]/g, '')
    .replace(/[\s\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}・、。,.:;!?'"/\\…*]/gu, '');
}

/** A search box entry as at most 5 normalised terms (spaces separate terms), each at most 50 characters. */
export function searchTerms(keyword: string | undefined): string[] {
  if (!keyword) return [];
  return keyword
    .normalize('NFKC')
    .split(/\s+/)
    .map((t) => normalizeSearch(t).slice(0, 50))
    .filter(Boolean)
    .slice(0, 5);
}

/** Every 1- and 2-character piece of each word: the index for queries too short for trigrams (豆, 深煎). */
export function shortGrams(words: string[]): string[] {
  const grams = new Set<string>();
  for (const w of words) {
    const chars = [...w];
    for (let i = 0; i < chars.length; i++) {
      grams.add(chars[i]!);
      if (i + 1 < chars.length) grams.add(chars[i]! + chars[i + 1]!);
    }
  }
  return [...grams];
}

/**
 * The distinct trigrams of normalised text as pg_trgm makes them, words split at spaces: each word
 * padded with two spaces before and one after, every 3 characters ("豆" → "  豆", " 豆 "). Ranking
 * uses their count for a product's text (stored) and the query's own to compute pg_trgm's similarity
 * without building the product's trigram set on every search (product-list.ts).
 */
export function trigrams(text: string): string[] {
  const out = new Set<string>();
  for (const word of text.split(' ')) {
    if (!word) continue;
    const chars = [' ', ' ', ...word, ' '];
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars[i]! + chars[i + 1]! + chars[i + 2]!);
  }
  return [...out];
}

/** How many distinct trigrams `text` has (stored per product as search_trgm_n). */
export function trigramCount(text: string): number {
  return trigrams(text).length;
}

/**
 * The query's trigrams as substrings of ' ' + text + ' ' (a text holds the trigram exactly when it
 * contains the substring): the double space of a word start becomes the one space before the word.
 */
export function trigramProbes(text: string): string[] {
  return trigrams(text).map((t) => (t.startsWith('  ') ? t.slice(1) : t));
}
