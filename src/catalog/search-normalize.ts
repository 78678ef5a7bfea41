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
