/**
 * T2: the ONE definition of what a card number looks like, shared by the request guard
 * (card-numbers.ts, used by platform/card-numbers/card-guard.ts) and the byte-level scanner behind
 * `omamori scan-pan` (platform/card-numbers/pan-scanner.ts). Neither keeps its own list: both classify characters
 * with `charClass` and decide candidates with `cardBrandAt`, so a shape the guard refuses is a shape the
 * scanner finds (pan-scanner.test.ts asserts it on the generated set).
 *
 * - Digits: every character whose NFKC form is one ASCII digit (full-width `４`, and other compatibility digits).
 * - Separators between digit groups: up to `maxGap` characters (a CR LF pair counts as one) of
 *   - spaces: any Unicode space, the ideographic space, a tab;
 *   - line breaks (LF, CR, VT, FF, NEL, U+2028/9);
 *   - dashes: Unicode Pd, minus signs, the katakana prolonged sound mark (`ー`, `ｰ`) that IMEs produce for `-`;
 *   - dots: `.`, `．`, `·`;
 *   - slashes: `/`, `／`;
 *   - wave dashes: `〜`, `～`, `~`, `〰`;
 *   - punctuation that separates list items: `、`, `，`, `,`, `､`, `・`, `･`, `。`, `｡`.
 *   A gap of only dashes, dots or slashes joins groups into one token (`4242-4242`); any other gap
 *   separates tokens (the guard takes tokens whole, see card-numbers.ts).
 * - A gap is *plain* when it is how numbers have always been typed: one or two spaces, a dash or dot
 *   with a space on either side or none, or a single slash. Any other gap (line breaks, commas, wave
 *   dashes, `" / "`, three or more characters) is *loose*: the guard accepts a window across a loose gap
 *   only when its groups are regular (`isRegularGrouping`), because lists of numbers one per line or
 *   after `、` would otherwise join into chance card numbers.
 * - Invisible characters between digits are ignored: zero-width spaces and joiners, BOM, soft hyphen.
 * - A card number: 13–19 digits, Luhn-valid, starting with a brand's issuer prefix at a length that brand
 *   issues; a 13-digit number that is also a valid EAN-13/JAN code is a product code, not a card.
 */

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'jcb' | 'diners' | 'discover' | 'unionpay';

/** Issuer prefixes (IIN ranges) and the lengths each brand issues. */
export const cardBrands: ReadonlyArray<{ brand: CardBrand; from: number; to: number; digits: number; lengths: number[] }> = [
  { brand: 'visa', from: 4, to: 4, digits: 1, lengths: [13, 16, 19] },
  { brand: 'mastercard', from: 51, to: 55, digits: 2, lengths: [16] },
  { brand: 'mastercard', from: 2221, to: 2720, digits: 4, lengths: [16] },
  { brand: 'amex', from: 34, to: 34, digits: 2, lengths: [15] },
  { brand: 'amex', from: 37, to: 37, digits: 2, lengths: [15] },
  { brand: 'jcb', from: 3528, to: 3589, digits: 4, lengths: [16, 17, 18, 19] },
  { brand: 'diners', from: 300, to: 305, digits: 3, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'diners', from: 36, to: 36, digits: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'diners', from: 38, to: 39, digits: 2, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'discover', from: 6011, to: 6011, digits: 4, lengths: [16, 17, 18, 19] },
  { brand: 'discover', from: 644, to: 649, digits: 3, lengths: [16, 17, 18, 19] },
  { brand: 'discover', from: 65, to: 65, digits: 2, lengths: [16, 17, 18, 19] },
  { brand: 'unionpay', from: 62, to: 62, digits: 2, lengths: [16, 17, 18, 19] },
];

/** The shortest and longest card numbers any brand issues. */
export const minCardDigits = 13;
export const maxCardDigits = 19;

const brandNames: CardBrand[] = [...new Set(cardBrands.map((b) => b.brand))];
/** Per 4-digit prefix and length 13..19: the brand's index + 1, or 0. Built once from `cardBrands` (first match wins). */
const byPrefix = new Uint8Array(10000 * 7);
for (const b of [...cardBrands].reverse()) {
  const scale = 10 ** (4 - b.digits);
  for (let p4 = b.from * scale; p4 < (b.to + 1) * scale; p4++) for (const len of b.lengths) byPrefix[p4 * 7 + len - minCardDigits] = brandNames.indexOf(b.brand) + 1;
}

/** The brand issuing `len`-digit numbers starting with these four digits, or null. */
export function brandFor(p4: number, len: number): CardBrand | null {
  if (len < minCardDigits || len > maxCardDigits) return null;
  const idx = byPrefix[p4 * 7 + len - minCardDigits]!;
  return idx ? brandNames[idx - 1]! : null;
}

/** The Luhn check of the digit values d[a..b). */
export function luhnAt(d: ArrayLike<number>, a: number, b: number): boolean {
  let sum = 0;
  for (let k = b - 1, i = 0; k >= a; k--, i++) {
    let x = d[k]!;
    if (i % 2 === 1) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return sum % 10 === 0;
}

/** A valid EAN-13 check digit over the digit values d[a..a+13). */
function eanAt(d: ArrayLike<number>, a: number): boolean {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += d[a + 11 - i]! * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === d[a + 12]!;
}

/** The brand when the digit values d[a..a+len) are a card number (the one test both guard and scanner use), else null. */
export function cardBrandAt(d: ArrayLike<number>, a: number, len: number): CardBrand | null {
  if (len < minCardDigits || len > maxCardDigits) return null;
  const brand = brandFor(d[a]! * 1000 + d[a + 1]! * 100 + d[a + 2]! * 10 + d[a + 3]!, len);
  if (!brand || !luhnAt(d, a, a + len)) return null;
  // 13-digit Visa is no longer issued, while JAN codes starting 45/49 overlap it and pass Luhn 1 time in 10.
  if (len === 13 && eanAt(d, a)) return null;
  return brand;
}

/**
 * A single group of exactly 19 digits whose first 16 (or, Amex, 15) digits are a card: a card with its
 * security code typed on. Returns the card's length, or 0.
 */
export function cardBeforeCodeAt(d: ArrayLike<number>, a: number, groupLen: number): number {
  if (groupLen !== 19) return 0;
  for (const cardLen of [16, 15]) if (cardBrandAt(d, a, cardLen)) return cardLen;
  return 0;
}

/** Which shapes are on (all by default); tests switch one off at a time to measure what it costs on benign inputs. */
export interface CardRules {
  /** `4242/4242/4242/4242`: slashes as separators. */
  slash: boolean;
  /** `4242\n4242\n4242\n4242`: line breaks as separators. */
  lineBreaks: boolean;
  /** `4242、4242・4242。4242`: Japanese and Latin commas, middle dots and full stops as separators. */
  punctuation: boolean;
  /** `4242〜4242〜4242〜4242`: wave dashes and tildes as separators. */
  waveDashes: boolean;
  /** `4242424242424242123`: a card with its security code typed on (see `cardBeforeCodeAt`). */
  codeTypedOn: boolean;
  /** Separator characters allowed between two groups (`4242 - 4242` is 3, `4242 \r\n 4242` is 3). */
  maxGap: number;
}

export const defaultCardRules: Readonly<CardRules> = { slash: true, lineBreaks: true, punctuation: true, waveDashes: true, codeTypedOn: true, maxGap: 4 };

// Character classes: 0–9 a digit's value, then the separators (SPACE..BREAK), then:
/** A space (any Unicode space, the ideographic space, a tab): separates tokens. */
export const SPACE = 10;
/** A dash or a dot: joins groups into one token. */
export const MARK = 11;
/** A slash: joins groups into one token. */
export const SLASH = 12;
/** A wave dash or tilde (ranges: `10〜20`): separates tokens. */
export const WAVE = 13;
/** A line break or list punctuation (comma, middle dot, full stop): separates tokens. */
export const BREAK = 14;
/** Invisible: neither a digit nor a separator. */
export const IGNORE = 15;
export const OTHER = 16;

/** True for the separator classes. */
export const isSeparator = (c: number) => c >= SPACE && c <= BREAK;

type Kind = 'space' | 'lineBreak' | 'dash' | 'dot' | 'slash' | 'wave' | 'punctuation';

const ignorable = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad]);
const lineBreakSet = new Set([0x0a, 0x0d, 0x0b, 0x0c, 0x85, 0x2028, 0x2029]);
const waveSet = new Set([0x7e, 0x301c, 0x3030, 0xff5e, 0x223c]);
const punctuationSet = new Set([0x2c, 0x3001, 0xff0c, 0xff64, 0xfe50, 0xfe51, 0x3002, 0xff61, 0x30fb, 0xff65]);
const slashSet = new Set([0x2f, 0xff0f, 0x2215, 0x2044]);
const dotSet = new Set([0x2e, 0xff0e, 0x00b7, 0x2024]);
// Dashes (Unicode Pd), minus signs, and the katakana prolonged sound marks that Japanese IMEs produce for "-".
const numberChar = /^\p{N}$/u;
const dashes = /^[\p{Pd}\u2212\u2043\u30fc\uff70\ufe63\uff0d]$/u;

function kindOf(cp: number): Kind | null {
  if (lineBreakSet.has(cp)) return 'lineBreak';
  if (waveSet.has(cp)) return 'wave';
  if (punctuationSet.has(cp)) return 'punctuation';
  if (slashSet.has(cp)) return 'slash';
  if (dotSet.has(cp)) return 'dot';
  const ch = String.fromCodePoint(cp);
  if (cp === 0x09 || /^\p{Zs}$/u.test(ch)) return 'space';
  if (dashes.test(ch)) return 'dash';
  return null;
}

function classifyUncached(cp: number, rules: CardRules): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 48;
  if (ignorable.has(cp)) return IGNORE;
  // Only numbers (Unicode N) can normalise to a digit; the test spares NFKC for everything else.
  if (cp >= 0x80 && numberChar.test(String.fromCodePoint(cp))) {
    const n = String.fromCodePoint(cp).normalize('NFKC');
    if (n.length === 1 && n >= '0' && n <= '9') return n.charCodeAt(0) - 48;
  }
  switch (kindOf(cp)) {
    case 'space':
      return SPACE;
    case 'lineBreak':
      return rules.lineBreaks ? BREAK : OTHER;
    case 'punctuation':
      return rules.punctuation ? BREAK : OTHER;
    case 'dash':
    case 'dot':
      return MARK;
    case 'slash':
      return rules.slash ? SLASH : OTHER;
    case 'wave':
      return rules.waveDashes ? WAVE : OTHER;
    default:
      return OTHER;
  }
}

/** Class of every ASCII character under the default rules (the scanner's byte tables are built from it). */
export const asciiClass = Uint8Array.from({ length: 128 }, (_, cp) => classifyUncached(cp, defaultCardRules));
const cache = new Map<number, number>();

/** The class of a code point: a digit's value 0–9, a separator class, IGNORE or OTHER. */
export function charClass(cp: number, rules: CardRules = defaultCardRules): number {
  if (rules !== defaultCardRules) return classifyUncached(cp, rules);
  if (cp < 0x80) return asciiClass[cp]!;
  let c = cache.get(cp);
  if (c === undefined) {
    c = classifyUncached(cp, rules);
    if (cache.size < 50_000) cache.set(cp, c);
  }
  return c;
}

let bmp: Uint8Array | null = null;

/** The class of every BMP code point under the default rules (64 KiB, built on first use: the scanner's lookup table). */
export function bmpClasses(): Uint8Array {
  if (!bmp) {
    bmp = new Uint8Array(0x10000);
    for (let cp = 0; cp < 0x10000; cp++) bmp[cp] = cp >= 0xd800 && cp <= 0xdfff ? OTHER : classifyUncached(cp, defaultCardRules);
  }
  return bmp;
}

/**
 * Every code point that is a digit, a separator or invisible under the default rules (BMP and the
 * mathematical digits): the scanner's byte-level pre-filter is derived from their UTF-8 bytes.
 */
export function shapeCodePoints(): number[] {
  const table = bmpClasses();
  const out: number[] = [];
  for (let cp = 0; cp < 0x10000; cp++) if (table[cp] !== OTHER) out.push(cp);
  for (const [a, b] of [[0x10000, 0x10fff], [0x1d7ce, 0x1d7ff], [0x1fbf0, 0x1fbf9]] as const) for (let cp = a; cp <= b; cp++) if (charClass(cp) !== OTHER) out.push(cp);
  return out;
}

/** A plain gap (its separator classes c[0..n), e.g. [SPACE, MARK, SPACE]): see the header. */
export function isPlainGap(c: ArrayLike<number>, n = c.length): boolean {
  if (n === 1) return c[0] === SPACE || c[0] === MARK || c[0] === SLASH;
  if (n === 2) return (c[0] === SPACE && (c[1] === SPACE || c[1] === MARK)) || (c[0] === MARK && c[1] === SPACE);
  return n === 3 && c[0] === SPACE && c[1] === MARK && c[2] === SPACE;
}

/**
 * Groups typed the way card numbers are split: all but the last of the same length and the last no
 * longer (4-4-4-4, 4-4-4-4-3, 3-3-3-3-3-1, one digit at a time), two halves (8-8, 10-9), or as printed
 * on Amex and Diners cards (4-6-5, 4-6-4). `lengths[a..b]` are the groups' digit counts.
 */
export function isRegularGrouping(lengths: ArrayLike<number>, a = 0, b = lengths.length - 1): boolean {
  const n = b - a + 1;
  const first = lengths[a]!;
  const last = lengths[b]!;
  if (n === 3 && first === 4 && lengths[a + 1] === 6 && (last === 5 || last === 4)) return true;
  if (n === 2) return first - last === 0 || first - last === 1;
  for (let k = a + 1; k < b; k++) if (lengths[k] !== first) return false;
  return n < 2 || last <= first;
}
