/**
 * T2: shoppers and staff sometimes type a card number into a free-text field ("please charge my
 * card 4111 …"). A card number must never be stored or logged, so text is searched for card numbers:
 *
 * - Characters are classified by card-shapes.ts, the one definition shared with the scanner
 *   (`omamori scan-pan`): digits after NFKC (full-width `４２４２` and other compatibility digits,
 *   one character at a time so positions in the original text are kept for masking), invisible
 *   characters, and separators: spaces, line breaks, dashes (`－ − ー ｰ ‐ – —`), dots (`．・。`),
 *   slashes, wave dashes (`〜 ～`) and commas (`、，`).
 * - A *run* is a sequence of digit groups joined by up to `maxGap` (4) separator characters
 *   (`4242 - 4242`, `4242、 4242`, `4242\r\n4242`, `4242   4242`). Anything else (letters, colons,
 *   brackets, five separators) ends the run.
 * - A *candidate* is a window of whole consecutive groups of a run with 13–19 digits. A single group
 *   of more than 19 digits is a long code, never a card, and nothing inside it is a candidate; a
 *   single group of exactly 19 digits whose first 16 (or, Amex, 15) digits are a card is a card with
 *   its security code typed on (`CardRules.codeTypedOn`). Groups
 *   joined by a dash, dot, slash or wave dash form a token; a window spanning several tokens must take them whole
 *   ("5444-2895-4532 4131-2007-3085" is two tracking numbers, not a 16-digit number in the middle).
 *   From each start the longest valid window is taken, so a card followed by a CVV is masked whole.
 * - A candidate is a card number when it passes the Luhn check AND starts with the issuer prefix of
 *   a card brand, at a length that brand issues (card-shapes.ts). Measured on the benign fixtures
 *   (see card-numbers.test.ts) the prefix rule removes most chance Luhn matches: phone numbers,
 *   tracking and order numbers start with 0, 1, 7, 8, 9 or use prefixes no brand issues.
 * - Two narrow shapes are not cards: a 13-digit candidate that is also a valid EAN-13/JAN code
 *   (13-digit Visa numbers are no longer issued, while JAN codes starting 45/49 overlap Visa's 4 and
 *   pass Luhn 1 time in 10), and `T` + 13 digits (a qualified-invoice registration number).
 */

import { brandFor, cardBeforeCodeAt, cardBrandAt, charClass, defaultCardRules, IGNORE, isPlainGap, isRegularGrouping, isSeparator, luhnAt, MARK, SLASH, type CardBrand, type CardRules } from './card-shapes.ts';

export { defaultCardRules, luhnAt, type CardBrand, type CardRules } from './card-shapes.ts';

/** The Luhn check of a digit string (a card number's check digit). */
export function luhn(digits: string): boolean {
  return luhnAt(Array.from(digits, (c) => c.charCodeAt(0) - 48), 0, digits.length);
}

/** The brand whose issuer range and length fit these digits, or null. */
export function cardBrand(digits: string): CardBrand | null {
  return brandFor(Number(digits.slice(0, 4).padEnd(4, '0')), digits.length);
}

/** A valid EAN-8 or EAN-13 (JAN) code: 8 or 13 ASCII digits with a correct GS1 check digit. */
export function isValidEan(digits: string): boolean {
  if (!/^(\d{8}|\d{13})$/.test(digits)) return false;
  let sum = 0;
  const body = digits.slice(0, -1);
  for (let i = 0; i < body.length; i++) sum += (body.charCodeAt(body.length - 1 - i) - 48) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

/** True for the digits of a card number: brand prefix and length, Luhn, and not a JAN code (card-shapes.ts). */
export function isCardNumber(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  return cardBrandAt(Array.from(digits, (c) => c.charCodeAt(0) - 48), 0, digits.length) !== null;
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

const latinLetter = (cp: number) => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0xff21 && cp <= 0xff3a) || (cp >= 0xff41 && cp <= 0xff5a);
const tCodes = new Set([0x54, 0x74, 0xff34, 0xff54]); // T t Ｔ ｔ

function digitString(d: number[], a: number, b: number): string {
  let out = '';
  for (let k = a; k < b; k++) out += digitChars[d[k]!];
  return out;
}

const digitChars = '0123456789';

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
    if ((u >= 48 && u <= 57) || (u >= 0x80 && charClass(u >= 0xd800 && u <= 0xdbff ? text.codePointAt(i)! : u) <= 9)) digitCount++;
  }
  if (digitCount < 13) return found;

  // The current run: digit values, and per group its offsets in the text, token, first digit index and
  // whether the gap before it was loose (see card-shapes.ts).
  const dv: number[] = [];
  const gStart: number[] = [];
  const gEnd: number[] = [];
  const gToken: number[] = [];
  const gAt: number[] = [];
  const gLoose: boolean[] = [];
  let before = 0;
  let prev = 0;
  // The classes of the separator characters since the last digit (a CR LF pair counts once).
  const gap: number[] = [];
  const regular = (i: number, j: number) => isRegularGrouping(Array.from({ length: j - i + 1 }, (_, k) => gAt[i + k + 1]! - gAt[i + k]!));

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
        let loose = false;
        for (let j = i; j < n; j++) {
          const len = gAt[j + 1]! - a;
          if (len > 19) break;
          if (j > i && gLoose[j]) loose = true;
          if (len < 13) continue;
          // Across a line break, list punctuation, a wave dash or a wide gap, and glued to a Latin letter
          // (`LOT` + 8 digits + `-` + 6 digits), only card-like groupings: lists of numbers and identifiers are not cards.
          const gluedBefore = i === 0 && latinLetter(before);
          if ((loose || gluedBefore) && !regular(i, j)) continue;
          // Latin letters on both sides: part of an identifier (a hex digest, a token), not a card.
          if (gluedBefore && j === n - 1 && latinLetter(text.codePointAt(gEnd[j]!) ?? 0)) continue;
          // Across tokens only whole tokens: "5444-2895-4532 4131-2007-3085" is two tracking numbers, not a
          // card in the middle; within one token any groups ("4242-4242-4242-4242-12-28").
          if (gToken[i] !== gToken[j] && !((i === 0 || gToken[i - 1] !== gToken[i]) && (j === n - 1 || gToken[j + 1] !== gToken[j]))) continue;
          // `T` + 13 digits: a qualified-invoice registration number (適格請求書発行事業者登録番号).
          if (i === 0 && j === 0 && len === 13 && tCodes.has(before)) continue;
          const ok = accept ? accept(digitString(dv, a, a + len)) : cardBrandAt(dv, a, len) !== null;
          if (ok) bestJ = j;
        }
      }
      const typedOn = bestJ < 0 && rules.codeTypedOn && !accept && first >= 2 && first <= 6 ? cardBeforeCodeAt(dv, a, gAt[i + 1]! - a) || null : null;
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
    dv.length = gStart.length = gEnd.length = gToken.length = gAt.length = gLoose.length = gap.length = 0;
  };

  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const next = i + (cp > 0xffff ? 2 : 1);
    const c = charClass(cp, rules);
    const inRun = gStart.length > 0;
    if (c <= 9) {
      if (!inRun || gap.length !== 0) {
        if (!inRun) before = prev;
        // Only dashes, dots and slashes between groups keep them in one token.
        gToken.push(inRun ? gToken.at(-1)! + (gap.every((g) => g === MARK || g === SLASH) ? 0 : 1) : 0);
        gLoose.push(inRun && !isPlainGap(gap));
        gStart.push(i);
        gEnd.push(next);
        gAt.push(dv.length);
      } else {
        gEnd[gEnd.length - 1] = next;
      }
      dv.push(c);
      gap.length = 0;
    } else if (c === IGNORE) {
      // Invisible: neither a digit nor a separator.
    } else if (inRun && isSeparator(c)) {
      if (!(cp === 0x0a && prev === 0x0d)) gap.push(c);
      if (gap.length > rules.maxGap) scan();
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
      if (charClass(chars[k]!.codePointAt(0)!) <= 9) chars[k] = keep-- > 0 ? chars[k]! : '*';
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
