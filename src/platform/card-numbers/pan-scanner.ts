/**
 * T2/T5: a fast byte-level detector for primary account numbers (card numbers) in streams.
 *
 * What a card number looks like is defined once, in platform/card-numbers/card-shapes.ts, for this scanner
 * and the request guard alike: the digits (ASCII, full-width and every other character whose NFKC form
 * is a digit), the separators between groups (spaces, line breaks, dashes, dots, slashes, wave dashes,
 * Japanese punctuation; up to `maxGap` characters in a row), the issuer prefixes and lengths, the Luhn
 * check, the JAN-13 exclusion and a security code typed on after the number. Every byte table below is
 * built from that definition, and every non-ASCII character is classified by `charClass` itself, so
 * the scanner finds every shape the guard refuses (pan-scanner.test.ts checks the generated set).
 *
 * The scanner is wider than the guard in two ways and narrower in one: it does not need tokens to be
 * taken whole nor loose gaps to have card-like groupings (a scan reports, it does not refuse input),
 * and it ignores a number glued to an ASCII letter, digit or underscore (hex/base64 identifiers such as
 * token hashes are full of digit runs; `card:4242…` and `カード4242…` are still found, `id4242…` is not).
 * A run may hold more than a card (`4242 4242 4242 4242 123` = number + CVV): candidates are whole groups
 * of the run; the earliest start and then the longest valid candidate wins. An unseparated run of 20+
 * digits is never a card.
 *
 * The scanner works on bytes (UTF-8) and keeps its state across chunks, so a number split between two
 * reads is found. Speed (it must keep up with `grep -P`; see bench/pan-scan.ts): a card number needs at
 * least 13 bytes in a row from a small set (the UTF-8 bytes of digits and separators), so only such
 * stretches are read byte by byte. Large chunks find them with a SIMD pre-filter (classify-wasm.ts),
 * small ones with a Horspool-style skip loop; ASCII runs wholly inside a chunk are decided straight from
 * the buffer, and only runs with non-ASCII characters or across a chunk boundary go through the state
 * machine. A find carries only the masked number (first 6, last 4): the full number never leaves this file.
 */

import { BLOCK, longSpans, MIN_SPAN } from './classify-wasm.ts';
import { asciiClass, cardBeforeCodeAt, cardBrandAt, charClass, defaultCardRules, IGNORE, isPlainGap, isRegularGrouping, isSeparator, minCardDigits, type CardBrand } from './card-shapes.ts';
import { OTHER_CLASS, shapeBytes } from './shape-bytes.ts';

export type { CardBrand } from './card-shapes.ts';

export interface PanFind {
  /** Byte offset of the number's first digit in the stream. */
  offset: number;
  /** Byte length of the number as written (separators and full-width digits included). */
  length: number;
  brand: CardBrand;
  digits: number;
  /** First 6 and last 4 digits, the rest as `*`: `424242******4242`. */
  masked: string;
}

// Byte tables, all derived from card-shapes.ts. IDLE: 1 = ASCII digit, 2 = a lead byte that can start a
// non-ASCII digit. ASEP: an ASCII separator. WORD: ASCII word characters (a number glued to one is part
// of an identifier, not a card). INRUN: every byte of a written card number. BMP: the class of every
// BMP character. Built when the first scanner is made.
const IDLE = new Uint8Array(256);
const ASEP = new Uint8Array(256);
const WORD = new Uint8Array(256);
let INRUN: Uint8Array = new Uint8Array(256);
let BMP: Uint8Array = new Uint8Array(0);
for (let b = 0; b < 128; b++) {
  if (asciiClass[b]! <= 9) IDLE[b] = 1;
  if (isSeparator(asciiClass[b]!)) ASEP[b] = 1;
  if (/[A-Za-z0-9_]/.test(String.fromCharCode(b))) WORD[b] = 1;
}

function loadTables() {
  if (BMP.length) return;
  const t = shapeBytes();
  for (let b = 128; b < 256; b++) if (t.digitLead[b]) IDLE[b] = 2;
  INRUN = t.inRun;
  BMP = t.bmp;
}

/** The class (card-shapes.ts) of a code point: from the table in the BMP. */
const classOf = (cp: number) => (cp < 0x10000 ? BMP[cp]! : charClass(cp));
const MAX_GAP = defaultCardRules.maxGap;

// Scanner states.
const S_IDLE = 0;
const S_IDLE_MB = 1; // idle, inside a multi-byte character that may be a digit
const S_DIGIT = 2; // in a run, last was a digit
const S_GAP = 3; // in a run, after one or more separators: a digit must follow
const S_MB = 4; // in a run, inside a multi-byte character

const MAX_GROUPS = 64;
const MAX_PLAIN_GROUPS = 256;
const DIGIT_CAP = 128;

/** The brand when d[start..start+len) is a card number (card-shapes.ts), else null. */
export function brandOf(d: ArrayLike<number>, start: number, len: number): CardBrand | null {
  return cardBrandAt(d, start, len);
}

function maskDigits(d: ArrayLike<number>, start: number, len: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += d[start + i];
  s += '*'.repeat(len - 10);
  for (let i = len - 4; i < len; i++) s += d[start + i];
  return s;
}

/**
 * The class (card-shapes.ts) of the UTF-8 character starting at buf[k]; -1 when it does not end before
 * `to`, -2 when the bytes are not a character (then only the lead byte is passed over).
 */
function classAt(buf: Uint8Array, k: number, to: number): number {
  const b = buf[k]!;
  const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
  if (k + need >= to) return -1;
  let cp = b & (need === 3 ? 0x07 : need === 2 ? 0x0f : 0x1f);
  for (let q = 1; q <= need; q++) {
    const x = buf[k + q]!;
    if ((x & 0xc0) !== 0x80) return -2;
    cp = (cp << 6) | (x & 0x3f);
  }
  return classOf(cp);
}

/**
 * Streaming scanner: `push()` chunks in order, then `end()`. Finds are passed to `onFind` as they are
 * decided (a find is decided once the bytes after it have been seen). One instance per stream; `reset()`
 * to reuse it for another stream.
 */
export class PanScanner {
  private state = S_IDLE;
  /** Absolute offset of the first byte of the next chunk. */
  private base = 0;
  private prevByte = 0x0a;
  /** A multi-byte character being read: continuation bytes still needed, code point so far, offset of its
   * first byte, the byte before it (idle: to tell whether a digit is glued) and the state it interrupted. */
  private mbNeed = 0;
  private mbCp = 0;
  private mbOffset = 0;
  private mbBefore = 0;
  private mbFrom = S_IDLE;
  /** Separator characters since the last digit (a CR LF pair counts once), their classes, and whether the last was CR. */
  private gap = 0;
  private gapCls = new Uint8Array(MAX_GAP + 2);
  private lastCR = false;
  /** Digits of the groups in the window (shifted as groups are dropped). */
  private dig = new Uint8Array(DIGIT_CAP);
  private nd = 0;
  /** Per group in the window: index of its first digit in `dig`, its digit count, its stream offset. */
  private gIdx = new Int32Array(MAX_GROUPS);
  private gLen = new Int32Array(MAX_GROUPS);
  private gOff = new Float64Array(MAX_GROUPS);
  private ng = 0;
  /** Whether the run's first group is glued to a word character before it (then it cannot start a find). */
  private runGlued = false;
  /** Whether group 0 of the window is still the run's first group. */
  private firstIsRunStart = true;
  /** Offset just after the last digit (to compute a find's byte length). */
  private lastDigitEnd = 0;
  private gEnd = new Float64Array(MAX_GROUPS);
  /** Per group: 1 when the gap before it was loose (card-shapes.ts): windows across it need card-like groupings. */
  private gLoose = new Uint8Array(MAX_GROUPS);
  /** Total digits in the current run (fast reject for short runs). */
  private runDigits = 0;
  finds = 0;
  /** Pairs of [start, end): at most one stretch per 14 bytes (13 long + 1 outside). Allocated on first use. */
  private spans: Int32Array | null = null;
  /** Groups of an ASCII run measured by the fast path (buffer indices), and a candidate's digits. */
  private pgStart = new Int32Array(MAX_PLAIN_GROUPS);
  private pgEnd = new Int32Array(MAX_PLAIN_GROUPS);
  private pgLoose = new Uint8Array(MAX_PLAIN_GROUPS);
  private pgLen = new Int32Array(MAX_PLAIN_GROUPS);
  private tmp = new Uint8Array(24);

  constructor(private readonly onFind: (f: PanFind) => void) {
    loadTables();
  }

  reset(): void {
    this.state = S_IDLE;
    this.gap = 0;
    this.lastCR = false;
    this.base = 0;
    this.prevByte = 0x0a;
    this.nd = 0;
    this.ng = 0;
    this.runDigits = 0;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.base;
  }

  push(buf: Uint8Array, from = 0, to = buf.length): void {
    for (let a = from; a < to; a += BLOCK) this.pushBlock(buf, a, a + BLOCK < to ? a + BLOCK : to);
  }

  private pushBlock(buf: Uint8Array, from: number, to: number): void {
    let state = this.state;
    let i = from;
    const base = this.base - from;
    /** Bytes before `limit` are looked at one by one; from `limit` on, the idle scan may skip. */
    let limit = from;
    // Large blocks: the SIMD pre-filter lists the stretches worth reading (-1: not available, or too small
    // a block to be worth it; then the JavaScript skip loop below does the same job).
    let nSpans = -1;
    let spans = this.spans;
    if (to - from >= 4096) {
      spans ??= this.spans = new Int32Array(BLOCK / 4);
      nSpans = longSpans(buf, from, to, spans); // stretches of MIN_SPAN (13) or more
    }
    let si = 0;
    while (i < to) {
      if (state === S_IDLE) {
        if (i >= limit && nSpans >= 0) {
          while (si < nSpans && spans![2 * si + 1]! <= i) si++;
          if (si >= nSpans) {
            i = to;
            break;
          }
          const s = spans![2 * si]!;
          if (s > i) i = s;
          limit = spans![2 * si + 1]!;
          si++;
        } else if (i >= limit) {
          // Skip phase: look for MIN_SPAN INRUN bytes in a row, the shortest a card number can be written in.
          // Probe the last byte of a window; if it is outside INRUN, no card number covers it and the window
          // moves on by MIN_SPAN. If it is inside, check the window backwards: the first byte outside INRUN
          // moves the window to just after it. Most bytes are never read.
          let w = i + MIN_SPAN - 1;
          for (;;) {
            while (w < to && INRUN[buf[w]!] === 0) w += MIN_SPAN;
            if (w >= to) {
              // Tail of the chunk: a number may start here and continue in the next chunk: every byte.
              const t = w - MIN_SPAN + 1;
              if (t > i) i = t;
              limit = to;
              break;
            }
            const lo = w - MIN_SPAN + 1;
            let q = w - 1;
            while (q >= lo && INRUN[buf[q]!] === 1) q--;
            if (q < lo) {
              // A long enough stretch: from its start (not before i) to its end, byte by byte.
              let s = lo;
              while (s > i && INRUN[buf[s - 1]!] === 1) s--;
              let e = w + 1;
              while (e < to && INRUN[buf[e]!] === 1) e++;
              i = s;
              limit = e;
              break;
            }
            w = q + MIN_SPAN;
          }
          if (i >= to) break;
        }
        // Byte by byte up to `limit`: a table lookup until a digit or a byte that may start a non-ASCII digit.
        let c = 0;
        while (i < limit && (c = IDLE[buf[i]!]!) === 0) i++;
        if (i >= limit) continue;
        if (c === 1) {
          // Fast path: measure the ASCII run (digits with ASCII separators between them) in a tight loop,
          // noting its groups. A run wholly inside this chunk is decided right here from the buffer: one with
          // fewer than 13 digits (dates, prices, ids) costs nothing more. Runs that touch non-ASCII digits or
          // separators or the chunk's end go through the state machine below.
          const pgStart = this.pgStart;
          const pgEnd = this.pgEnd;
          let j = i;
          let total = 0;
          let groups = 0;
          let plain = true;
          let brandStart = false; // whether a group starts with 2–6, as every brand does
          for (;;) {
            const f = buf[j]!;
            if (f >= 0x32 && f <= 0x36) brandStart = true;
            let k = j;
            while (k < to) {
              const x = buf[k]!;
              if (x < 0x30 || x > 0x39) break;
              k++;
            }
            total += k - j;
            if (groups < MAX_PLAIN_GROUPS) (pgStart[groups] = j), (pgEnd[groups] = k);
            else plain = false;
            groups++;
            // The gap after the group: up to MAX_GAP ASCII separators (CR LF counts once).
            let q = k;
            let gap = 0;
            const gapCls = this.gapCls;
            while (q < to && ASEP[buf[q]!] === 1 && gap <= MAX_GAP) {
              if (!(buf[q] === 0x0a && q > k && buf[q - 1] === 0x0d)) gapCls[gap++] = asciiClass[buf[q]!]!;
              q++;
            }
            if (q >= to) {
              plain = false; // the chunk ends inside the run: let the state machine carry it over
              break;
            }
            const y = buf[q]!;
            if (gap > 0 && gap <= MAX_GAP && y >= 0x30 && y <= 0x39) {
              if (groups < MAX_PLAIN_GROUPS) this.pgLoose[groups] = isPlainGap(gapCls, gap) ? 0 : 1;
              j = q;
              continue;
            }
            // A non-ASCII digit, separator or invisible character may continue the run.
            if (gap <= MAX_GAP && y >= 0xc0 && classAt(buf, q, to) < OTHER_CLASS) plain = false;
            j = k;
            break;
          }
          if (plain) {
            if (total >= minCardDigits && brandStart) {
              const before = i > from ? buf[i - 1]! : this.prevByte;
              this.decidePlainRun(buf, groups, WORD[before] === 1, WORD[buf[j]!] === 1, base);
            }
            i = j;
            continue;
          }
          const before = i > from ? buf[i - 1]! : this.prevByte;
          this.startRun(WORD[before] === 1, base + i);
          this.appendDigit(buf[i]! - 48, base + i + 1);
          state = S_DIGIT;
        } else {
          // A lead byte of a multi-byte digit: decoded in place when the character lies in this chunk.
          const lead = buf[i]!;
          const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
          if (i + need < to) {
            const c = classAt(buf, i, to);
            if (c > 9 || c === -2) {
              i += c === -2 ? 1 : 1 + need;
              continue;
            }
            this.startRun(WORD[i > from ? buf[i - 1]! : this.prevByte] === 1, base + i);
            this.appendDigit(c, base + i + need + 1);
            state = S_DIGIT;
            i += 1 + need;
            continue;
          }
          this.mbBefore = i > from ? buf[i - 1]! : this.prevByte;
          this.beginChar(lead, base + i, S_IDLE);
          state = S_IDLE_MB;
        }
        i++;
        continue;
      }
      const b = buf[i]!;
      switch (state) {
        case S_IDLE_MB:
          if ((b & 0xc0) !== 0x80) {
            state = S_IDLE;
            continue; // not a character: re-read b in the idle loop
          }
          this.mbCp = (this.mbCp << 6) | (b & 0x3f);
          if (--this.mbNeed > 0) break;
          {
            const c = classOf(this.mbCp);
            if (c <= 9) {
              this.startRun(WORD[this.mbBefore] === 1, this.mbOffset);
              this.appendDigit(c, base + i + 1);
              state = S_DIGIT;
            } else state = S_IDLE;
          }
          break;
        case S_DIGIT:
          if (b >= 0x30 && b <= 0x39) {
            // Stay in S_DIGIT: take all following ASCII digits at once.
            let k = i + 1;
            while (k < to) {
              const x = buf[k]!;
              if (x < 0x30 || x > 0x39) break;
              k++;
            }
            this.appendAsciiDigits(buf, i, k, base + k);
            i = k;
            continue;
          }
          if (ASEP[b] === 1) {
            this.closeGroup();
            this.gap = 1;
            this.gapCls[0] = asciiClass[b]!;
            this.lastCR = b === 0x0d;
            state = S_GAP;
          } else if (b >= 0xc0) {
            this.beginChar(b, base + i, S_DIGIT);
            state = S_MB;
          } else {
            this.endRun(WORD[b] === 1);
            state = S_IDLE;
            continue;
          }
          break;
        case S_GAP:
          if (b >= 0x30 && b <= 0x39) {
            this.openGroup(base + i);
            this.appendDigit(b - 48, base + i + 1);
            state = S_DIGIT;
          } else if (ASEP[b] === 1) {
            if (!(b === 0x0a && this.lastCR)) this.gapCls[this.gap++] = asciiClass[b]!;
            this.lastCR = b === 0x0d;
            if (this.gap > MAX_GAP) {
              this.endRun(false);
              state = S_IDLE;
            }
          } else if (b >= 0xc0) {
            this.beginChar(b, base + i, S_GAP);
            state = S_MB;
          } else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_MB:
          if ((b & 0xc0) !== 0x80) {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          this.mbCp = (this.mbCp << 6) | (b & 0x3f);
          if (--this.mbNeed > 0) break;
          state = this.endChar(base + i + 1);
          break;
      }
      i++;
    }
    if (to > from) this.prevByte = buf[to - 1]!;
    this.base = base + to;
    this.state = state;
  }

  /** A multi-byte character starts at `offset` with lead byte `b`, interrupting `from`. */
  private beginChar(b: number, offset: number, from: number) {
    this.mbNeed = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    this.mbCp = b & (b >= 0xf0 ? 0x07 : b >= 0xe0 ? 0x0f : 0x1f);
    this.mbOffset = offset;
    this.mbFrom = from;
  }

  /** A multi-byte character inside a run is complete (ending at `end`): the state that follows. */
  private endChar(end: number): number {
    const c = classOf(this.mbCp);
    const from = this.mbFrom;
    if (c <= 9) {
      if (from === S_GAP) this.openGroup(this.mbOffset);
      this.appendDigit(c, end);
      return S_DIGIT;
    }
    if (c === IGNORE) return from;
    if (isSeparator(c)) {
      if (from === S_DIGIT) {
        this.closeGroup();
        this.gap = 0;
      }
      this.gapCls[this.gap++] = c;
      if (this.gap > MAX_GAP) {
        this.endRun(false);
        return S_IDLE;
      }
      this.lastCR = false;
      return S_GAP;
    }
    this.endRun(false);
    return S_IDLE;
  }

  /** The stream is over: decides a run that reached its end. */
  end(): void {
    if (this.state >= S_DIGIT) this.endRun(false);
    this.state = S_IDLE;
  }

  private startRun(glued: boolean, offset: number) {
    this.nd = 0;
    this.ng = 0;
    this.gap = 0;
    this.runDigits = 0;
    this.runGlued = glued;
    this.firstIsRunStart = true;
    this.openGroup(offset);
  }

  private openGroup(offset: number) {
    const g = this.ng++;
    this.gIdx[g] = this.nd;
    this.gLen[g] = 0;
    this.gOff[g] = offset;
    this.gLoose[g] = g > 0 && !isPlainGap(this.gapCls, this.gap) ? 1 : 0;
    this.gap = 0;
  }

  private appendDigit(v: number, endOffset: number) {
    const g = this.ng - 1;
    const len = ++this.gLen[g]!;
    this.runDigits++;
    if (len <= 20) this.dig[this.nd++] = v; // a longer group cannot be (part of) a card: its digits are not kept
    this.lastDigitEnd = endOffset;
  }

  /**
   * Decides a run of ASCII digit groups lying wholly in the buffer (groups in pgStart/pgEnd), with the same
   * rules as settle(): the earliest start group wins, then its longest valid candidate.
   */
  private decidePlainRun(buf: Uint8Array, ng: number, gluedBefore: boolean, gluedAfter: boolean, base: number) {
    const pgStart = this.pgStart;
    const pgEnd = this.pgEnd;
    const tmp = this.tmp;
    let g = gluedBefore ? 1 : 0;
    while (g < ng) {
      const first = buf[pgStart[g]!]!;
      if (first < 0x32 || first > 0x36) {
        g++; // no brand starts with 0, 1, 7, 8 or 9
        continue;
      }
      let sum = 0;
      let within = 0; // digits of the groups g..last
      let last = g - 1;
      for (let e = g; e < ng; e++) {
        sum += pgEnd[e]! - pgStart[e]!;
        if (sum > 19) break;
        last = e;
        within = sum;
      }
      if (within < minCardDigits) {
        g++; // too few digits from here on for a card (and a group of 20+ digits is never one)
        continue;
      }
      let len = 0;
      for (let e = g; e <= last; e++) for (let k = pgStart[e]!; k < pgEnd[e]!; k++) tmp[len++] = buf[k]! - 48;
      let found = -1;
      const pgLen = this.pgLen;
      const pgLoose = this.pgLoose;
      for (let e = g; e <= last; e++) pgLen[e] = pgEnd[e]! - pgStart[e]!;
      for (let e = last; e >= g && len >= minCardDigits; e--) {
        let loose = false;
        for (let k = g + 1; k <= e && !loose; k++) loose = pgLoose[k] === 1;
        // Across a loose gap only card-like groupings (as the guard): lists of numbers one per line are not cards.
        if (!(e === ng - 1 && gluedAfter) && (!loose || isRegularGrouping(pgLen, g, e))) {
          const brand = cardBrandAt(tmp, 0, len);
          if (brand) {
            this.finds++;
            this.onFind({ offset: base + pgStart[g]!, length: pgEnd[e]! - pgStart[g]!, brand, digits: len, masked: maskDigits(tmp, 0, len) });
            found = e;
            break;
          }
        }
        len -= pgEnd[e]! - pgStart[e]!;
      }
      // A card with its security code typed on: the whole group is the find, the card's digits are reported.
      const typedOn = found < 0 && !(g === ng - 1 && gluedAfter) ? cardBeforeCodeAt(tmp, 0, pgEnd[g]! - pgStart[g]!) : 0;
      if (typedOn) {
        this.finds++;
        this.onFind({ offset: base + pgStart[g]!, length: pgEnd[g]! - pgStart[g]!, brand: cardBrandAt(tmp, 0, typedOn)!, digits: typedOn, masked: maskDigits(tmp, 0, typedOn) });
      }
      g = found >= 0 ? found + 1 : g + 1;
    }
  }

  private appendAsciiDigits(buf: Uint8Array, from: number, to: number, endOffset: number) {
    const g = this.ng - 1;
    const len = this.gLen[g]!;
    const n = to - from;
    this.gLen[g] = len + n;
    this.runDigits += n;
    // a group longer than 20 digits cannot be (part of) a card: its further digits are not kept
    const keep = len >= 20 ? 0 : Math.min(n, 20 - len);
    const dig = this.dig;
    let nd = this.nd;
    for (let k = from; k < from + keep; k++) dig[nd++] = buf[k]! - 48;
    this.nd = nd;
    this.lastDigitEnd = endOffset;
  }

  /** A separator followed the current group: drop window starts that can no longer grow. */
  private closeGroup() {
    this.gEnd[this.ng - 1] = this.lastDigitEnd;
    if (this.runDigits < minCardDigits && this.ng < MAX_GROUPS - 2) return;
    this.settle(false);
  }

  private endRun(gluedAfter: boolean) {
    this.gEnd[this.ng - 1] = this.lastDigitEnd;
    if (this.runDigits >= minCardDigits) {
      this.settle(true, gluedAfter);
    }
    this.nd = 0;
    this.ng = 0;
    this.runDigits = 0;
  }

  /**
   * Evaluates candidate starts. Not final: only starts whose candidates are all complete (the window from
   * them already holds more than 19 digits). Final (run over): every remaining start.
   */
  private settle(final: boolean, gluedAfter = false) {
    for (;;) {
      if (this.ng === 0) return;
      let total = 0;
      for (let g = 0; g < this.ng; g++) total += this.gLen[g]!;
      if (!final && total <= 19 && this.ng < MAX_GROUPS - 2) return;
      // Evaluate start group 0 with every end from the longest down.
      const glued = this.firstIsRunStart && this.runGlued;
      let dropThrough = 0; // groups to drop: 1 = just the start, e+1 after a find ending at e
      if (!glued) {
        let sum = 0;
        let lastEnd = -1;
        for (let e = 0; e < this.ng; e++) {
          sum += this.gLen[e]!;
          if (sum > 19) break;
          lastEnd = e;
        }
        for (let e = lastEnd; e >= 0; e--) {
          let len = 0;
          for (let g = 0; g <= e; g++) len += this.gLen[g]!;
          if (len < minCardDigits) break;
          if (final && gluedAfter && e === this.ng - 1) continue;
          if (this.looseWithin(e) && !isRegularGrouping(this.gLen, 0, e)) continue;
          const s = this.gIdx[0]!;
          const brand = cardBrandAt(this.dig, s, len);
          if (brand) {
            this.finds++;
            this.onFind({ offset: this.gOff[0]!, length: this.gEnd[e]! - this.gOff[0]!, brand, digits: len, masked: maskDigits(this.dig, s, len) });
            dropThrough = e + 1;
            break;
          }
        }
        // A card with its security code typed on: the whole group is the find, the card's digits are reported.
        const s = this.gIdx[0]!;
        const typedOn = dropThrough === 0 && !(final && gluedAfter && this.ng === 1) ? cardBeforeCodeAt(this.dig, s, this.gLen[0]!) : 0;
        if (typedOn) {
          this.finds++;
          this.onFind({ offset: this.gOff[0]!, length: this.gEnd[0]! - this.gOff[0]!, brand: cardBrandAt(this.dig, s, typedOn)!, digits: typedOn, masked: maskDigits(this.dig, s, typedOn) });
        }
      }
      this.dropGroups(dropThrough || 1);
    }
  }

  /** Whether any gap inside groups 0..e is loose. */
  private looseWithin(e: number): boolean {
    for (let k = 1; k <= e; k++) if (this.gLoose[k]) return true;
    return false;
  }

  private dropGroups(n: number) {
    const keepFrom = n < this.ng ? this.gIdx[n]! : this.nd;
    this.dig.copyWithin(0, keepFrom, this.nd);
    this.nd -= keepFrom;
    for (let g = n; g < this.ng; g++) {
      this.gIdx[g - n] = this.gIdx[g]! - keepFrom;
      this.gLen[g - n] = this.gLen[g]!;
      this.gOff[g - n] = this.gOff[g]!;
      this.gEnd[g - n] = this.gEnd[g]!;
      this.gLoose[g - n] = this.gLoose[g]!;
    }
    this.ng -= n;
    this.firstIsRunStart = false;
    let total = 0;
    for (let g = 0; g < this.ng; g++) total += this.gLen[g]!;
    this.runDigits = total;
  }
}

/** Scans one buffer (a database value, a small file) and returns its finds. */
export function scanBuffer(buf: Uint8Array): PanFind[] {
  const out: PanFind[] = [];
  const s = new PanScanner((f) => out.push(f));
  s.push(buf);
  s.end();
  return out;
}

/** Scans a string (UTF-8 bytes); offsets are byte offsets. */
export function scanText(text: string): PanFind[] {
  return scanBuffer(Buffer.from(text, 'utf8'));
}

/** The text with every card-like number replaced by its mask (for paths and keys shown in reports). */
export function redactText(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  const finds = scanBuffer(buf);
  if (!finds.length) return text;
  let out = '';
  let at = 0;
  for (const f of finds) {
    out += buf.subarray(at, f.offset).toString('utf8') + f.masked;
    at = f.offset + f.length;
  }
  return out + buf.subarray(at).toString('utf8');
}
