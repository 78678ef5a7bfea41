/**
 * T2: shoppers and staff sometimes type a card number into a free-text field ("please charge my
 * card 4111 …"). A card number must never be stored or logged, so text is searched for card numbers:
 *
 * - Characters are compared after NFKC normalisation, one character at a time (so full-width
 *   `４２４２` and other compatibility digits count as digits, and positions in the original text
 *   are kept for masking). Zero-width characters and soft hyphens between digits are ignored.
 * - A *run* is a sequence of digit groups joined by one separator: a space (any Unicode space,
 *   including the ideographic space) or two, a hyphen or dash (including `－`, `−`, `ー`), a dot
 *   (`.`, `．`, `・`) or a slash (`/`, `／`). `" - "` counts as one separator too. Anything else
 *   (letters, commas, colons, line breaks, three spaces) ends the run.
 * - A *candidate* is a window of whole consecutive groups of a run with 13–19 digits. A single group
 *   of more than 19 digits is a long code, never a card, and nothing inside it is a candidate; a
 *   single group of exactly 19 digits whose first 16 (or, Amex, 15) digits are a card is a card with
 *   its security code typed on (`CardRules.codeTypedOn`). Groups
 *   joined by hyphens or dots form a token; a window spanning several tokens must take them whole
 *   ("5444-2895-4532 4131-2007-3085" is two tracking numbers, not a 16-digit number in the middle).
 *   From each start the longest valid window is taken, so a card followed by a CVV is masked whole.
 * - A candidate is a card number when it passes the Luhn check AND starts with the issuer prefix of
 *   a card brand, at a length that brand issues (table below). Measured on the benign fixtures
 *   (see card-numbers.test.ts) the prefix rule removes most chance Luhn matches: phone numbers,
 *   tracking and order numbers start with 0, 1, 7, 8, 9 or use prefixes no brand issues.
 * - Two narrow shapes are not cards: a 13-digit candidate that is also a valid EAN-13/JAN code
 *   (13-digit Visa numbers are no longer issued, while JAN codes starting 45/49 overlap Visa's 4 and
 *   pass Luhn 1 time in 10), and `T` + 13 digits (a qualified-invoice registration number).
 */

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'jcb' | 'diners' | 'discover' | 'unionpay';

/** Issuer prefixes (IIN ranges) and the lengths each brand issues. */
const brands: Array<{ brand: CardBrand; from: number; to: number; digits: number; lengths: number[] }> = [
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

/** The Luhn check of a digit string (a card number's check digit). */
export function luhn(digits: string): boolean {
  return luhnAt(Array.from(digits, (c) => c.charCodeAt(0) - 48), 0, digits.length);
}

const pow10 = [1, 10, 100, 1000, 10000];

/** The brand whose issuer range and length fit these digits, or null. */
export function cardBrand(digits: string): CardBrand | null {
  const p4 = Number(digits.slice(0, 4));
  for (const b of brands) {
    if (!b.lengths.includes(digits.length)) continue;
    const prefix = Math.floor(p4 / pow10[4 - b.digits]!);
    if (prefix >= b.from && prefix <= b.to) return b.brand;
  }
  return null;
}

/** A valid EAN-8 or EAN-13 (JAN) code: 8 or 13 ASCII digits with a correct GS1 check digit. */
export function isValidEan(digits: string): boolean {
  if (!/^(\d{8}|\d{13})$/.test(digits)) return false;
  let sum = 0;
  const body = digits.slice(0, -1);
  for (let i = 0; i < body.length; i++) sum += (body.charCodeAt(body.length - 1 - i) - 48) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

/** True for the digits of a card number: brand prefix and length, and Luhn. */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  // Luhn first: it is cheap and rejects 9 in 10.
  if (!luhn(digits) || !cardBrand(digits)) return false;
  if (digits.length === 13 && isValidEan(digits)) return false;
  return true;
}

export interface CardMatch {
  /** UTF-16 offsets in the original text: text.slice(start, end) is the number as typed. */
  start: number;
  end: number;
  /** The digits only, ASCII. */
  digits: string;
  /** 'unknown' only when a custom `accept` let through a number outside every brand's range. */
  brand: CardBrand | 'unknown';
}

// Character classes: 0–9 a digit's value, then:
const SPACE = 10;
const MARK = 11;
const IGNORE = 12;
const OTHER = 13;

const ignorable = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad]);
// Dashes (Unicode Pd, minus the wave dashes used for ranges), minus signs, the katakana prolonged sound
// mark that Japanese IMEs produce for "-", and dots.
const marks = /^[\p{Pd}\u2212\u2043\u30fc\uff70.\u30fb\uff65\u00b7]$/u;
const waveDashes = new Set([0x301c, 0x3030, 0xff5e]);
const lineBreaks = new Set([0x0a, 0x0d, 0x0b, 0x0c, 0x85, 0x2028, 0x2029]);
const classCache = new Map<number, number>();

function classifyNonAscii(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (ignorable.has(cp)) return IGNORE;
  const n = ch.normalize('NFKC');
  if (n.length === 1 && n >= '0' && n <= '9') return n.charCodeAt(0) - 48;
  if (!lineBreaks.has(cp) && (n === ' ' || /^\s$/u.test(ch))) return SPACE;
  if (!waveDashes.has(cp) && (marks.test(ch) || marks.test(n))) return MARK;
  return OTHER;
}

function classify(cp: number): number {
  if (cp < 0x80) {
    if (cp >= 48 && cp <= 57) return cp - 48;
    if (cp === 32) return SPACE;
    if (cp === 45 || cp === 46) return MARK;
    return OTHER;
  }
  let c = classCache.get(cp);
  if (c === undefined) {
    c = classifyNonAscii(cp);
    if (classCache.size < 50_000) classCache.set(cp, c);
  }
  return c;
}

const tCodes = new Set([0x54, 0x74, 0xff34, 0xff54]); // T t Ｔ ｔ

/** The Luhn check of the digit values d[a..b) (the guard's and the card-number scanner's hot path). */
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

function brandFits(p4: number, len: number): boolean {
  for (const b of brands) if (b.lengths.includes(len) && Math.floor(p4 / pow10[4 - b.digits]!) >= b.from && Math.floor(p4 / pow10[4 - b.digits]!) <= b.to) return true;
  return false;
}

function digitString(d: number[], a: number, b: number): string {
  let out = '';
  for (let k = a; k < b; k++) out += digitChars[d[k]!];
  return out;
}

const digitChars = '0123456789';

/**
 * Three ways of typing a card number that plain separators miss, each on by default; tests switch them off
 * one at a time to measure what each one costs on the benign corpus (card-numbers.test.ts).
 */
export interface CardRules {
  /** `4242/4242/4242/4242`: a slash (or `／`) between groups, as a hyphen. */
  slash: boolean;
  /** `4242  4242  4242  4242`: two spaces between groups (three still end the run). */
  doubleSpace: boolean;
  /**
   * `4242424242424242123`: a card with its security code typed on, no separator: a single 19-digit group
   * whose first 16 digits (+3) or 15 digits (+4, Amex) are a card. Only 19: a 3-digit code follows every
   * 16-digit brand and a 4-digit one only Amex's 15 digits, so 20-digit codes (product, bank references) stay clear.
   */
  codeTypedOn: boolean;
}

export const defaultCardRules: CardRules = { slash: true, doubleSpace: true, codeTypedOn: true };

/** The card inside a single group of digits that has its security code typed on, or null. */
function cardBeforeCode(d: number[], a: number, len: number): number | null {
  if (len !== 19) return null;
  for (const cardLen of [16, 15]) {
    const p4 = d[a]! * 1000 + d[a + 1]! * 100 + d[a + 2]! * 10 + d[a + 3]!;
    if (luhnAt(d, a, a + cardLen) && brandFits(p4, cardLen) && isCardNumber(digitString(d, a, a + cardLen))) return cardLen;
  }
  return null;
}

/**
 * Every card number in the text, as typed (first match wins where windows overlap). `accept` replaces the
 * card test on each 13–19-digit candidate (tests use it to measure looser rules).
 */
export function findCardNumbers(text: string, accept?: (digits: string) => boolean, rules: CardRules = defaultCardRules): CardMatch[] {
  const found: CardMatch[] = [];
  // Fewer than 13 digits anywhere: nothing to find (the common case, checked without allocating).
  let digitCount = 0;
  for (let i = 0; i < text.length && digitCount < 13; i++) {
    const u = text.charCodeAt(i);
    if ((u >= 48 && u <= 57) || (u >= 0x80 && classify(u >= 0xd800 && u <= 0xdbff ? text.codePointAt(i)! : u) <= 9)) digitCount++;
  }
  if (digitCount < 13) return found;

  // The current run: digit values, and per group its offsets in the text, token and first digit index.
  // A run is digit groups joined by one separator; groups joined by hyphens or dots form one token, a plain
  // space starts a new token.
  const dv: number[] = [];
  const gStart: number[] = [];
  const gEnd: number[] = [];
  const gToken: number[] = [];
  const gAt: number[] = [];
  let before = 0;
  let prev = 0;
  // Separator seen since the last digit: 0 none, 1 space, 2 mark, 3 space+mark, 4 (space+)mark+space, 5 two spaces.
  let sep = 0;

  const scan = () => {
    const n = gStart.length;
    gAt.push(dv.length);
    let i = 0;
    while (i < n) {
      let bestJ = -1;
      const a = gAt[i]!;
      const first = dv[a]!;
      // Every brand starts with 2–6 (measurements with a custom `accept` look at every start); a group of
      // more than 19 digits is a code, not a card, and so is anything containing it.
      if ((accept || (first >= 2 && first <= 6)) && gAt[i + 1]! - a <= 19) {
        for (let j = i; j < n; j++) {
          const len = gAt[j + 1]! - a;
          if (len > 19) break;
          if (len < 13) continue;
          // Across tokens only whole tokens: "5444-2895-4532 4131-2007-3085" is two tracking numbers, not a
          // card in the middle; within one token any groups ("4242-4242-4242-4242-12-28").
          if (gToken[i] !== gToken[j] && !((i === 0 || gToken[i - 1] !== gToken[i]) && (j === n - 1 || gToken[j + 1] !== gToken[j]))) continue;
          // `T` + 13 digits: a qualified-invoice registration number (適格請求書発行事業者登録番号).
          if (i === 0 && j === 0 && len === 13 && tCodes.has(before)) continue;
          const ok = accept ? accept(digitString(dv, a, a + len)) : luhnAt(dv, a, a + len) && brandFits(dv[a]! * 1000 + dv[a + 1]! * 100 + dv[a + 2]! * 10 + dv[a + 3]!, len) && isCardNumber(digitString(dv, a, a + len));
          if (ok) bestJ = j;
        }
      }
      const typedOn = bestJ < 0 && rules.codeTypedOn && !accept && first >= 2 && first <= 6 ? cardBeforeCode(dv, a, gAt[i + 1]! - a) : null;
      if (bestJ >= 0) {
        // The longest window from this group, so "card + CVV" is covered whole.
        const digits = digitString(dv, a, gAt[bestJ + 1]!);
        found.push({ start: gStart[i]!, end: gEnd[bestJ]!, digits, brand: cardBrand(digits) ?? 'unknown' });
        i = bestJ + 1;
      } else if (typedOn !== null) {
        // The whole group (card and code) is the match; the digits recorded are the card's.
        const digits = digitString(dv, a, a + typedOn);
        found.push({ start: gStart[i]!, end: gEnd[i]!, digits, brand: cardBrand(digits) ?? 'unknown' });
        i += 1;
      } else {
        i += 1;
      }
    }
    dv.length = gStart.length = gEnd.length = gToken.length = gAt.length = 0;
    sep = 0;
  };

  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const next = i + (cp > 0xffff ? 2 : 1);
    const c = rules.slash && (cp === 0x2f || cp === 0xff0f) ? MARK : classify(cp);
    const inRun = gStart.length > 0;
    if (c <= 9) {
      if (!inRun || sep !== 0) {
        if (!inRun) before = prev;
        gToken.push(inRun ? gToken.at(-1)! + (sep === 1 || sep === 5 ? 1 : 0) : 0);
        gStart.push(i);
        gEnd.push(next);
        gAt.push(dv.length);
      } else {
        gEnd[gEnd.length - 1] = next;
      }
      dv.push(c);
      sep = 0;
    } else if (c === IGNORE) {
      // Invisible: neither a digit nor a separator.
    } else if (inRun && c === SPACE) {
      sep = sep === 0 ? 1 : sep === 2 || sep === 3 ? 4 : sep === 1 && rules.doubleSpace ? 5 : -1;
      if (sep < 0) scan();
    } else if (inRun && c === MARK) {
      sep = sep === 0 ? 2 : sep === 1 ? 3 : -1;
      if (sep < 0) scan();
    } else if (inRun) {
      scan();
    }
    if (c !== IGNORE) prev = cp;
    i = next;
  }
  if (gStart.length) scan();
  return found;
}

export function containsCardNumber(text: string): boolean {
  return findCardNumbers(text).length > 0;
}

/** Masks every card number except its last four digits, keeping the rest of the text. */
export function maskCardNumbers(text: string): string {
  return replaceCardNumbers(text, (typed) => {
    let keep = 4;
    const chars = [...typed];
    for (let k = chars.length - 1; k >= 0; k--) {
      if (classify(chars[k]!.codePointAt(0)!) <= 9) chars[k] = keep-- > 0 ? chars[k]! : '*';
    }
    return chars.join('');
  });
}

/** Replaces every card number (all of its digits and the separators between them). */
export function replaceCardNumbers(text: string, replace: (typed: string, match: CardMatch) => string): string {
  const matches = findCardNumbers(text);
  if (!matches.length) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + replace(text.slice(m.start, m.end), m);
    at = m.end;
  }
  return out + text.slice(at);
}
