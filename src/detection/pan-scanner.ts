/**
 * T2/T5: a fast byte-level detector for primary account numbers (card numbers) in streams.
 *
 * What counts as a find: a run of 13–19 digits (in effect 14–19: no brand below accepts 13) that
 *  - may be written with single separators between digits/groups: ASCII space, hyphen or dot, and the
 *    Japanese IME variants ideographic space U+3000, full-width hyphen U+FF0D, full-width dot U+FF0E,
 *    hyphen U+2010, minus U+2212 and the long-vowel mark U+30FC (often typed as a dash);
 *  - may use full-width digits U+FF10–U+FF19 (UTF-8 EF BC 90–99), also mixed with ASCII digits;
 *  - starts with a real issuer prefix and has that brand's length (Visa 4: 16–19; Mastercard 51–55,
 *    2221–2720: 16; Amex 34/37: 15; JCB 3528–3589: 16–19; Diners 300–305/36/38–39: 14–19;
 *    Discover 6011/644–649/65: 16–19; UnionPay 62: 16–19). Visa 13 is left out on purpose: JAN/EAN-13
 *    product codes (45…, 49…) would otherwise be flagged;
 *  - passes the Luhn check;
 *  - is not glued to an ASCII letter, digit or underscore on either side (hex/base64 identifiers such as
 *    token hashes are full of digit runs; `card:4242…` and `カード4242…` are still found, `id4242…` is not).
 * A separated run may hold more than a card (`4242 4242 4242 4242 123` = number + CVV): candidates are
 * whole groups of the run; the earliest start and then the longest valid candidate wins. An unseparated
 * run of 20+ digits is never a card.
 *
 * The scanner works on bytes (UTF-8), never decodes text, and keeps its state across chunks, so a number
 * split between two reads is found. Speed (it must keep up with `grep -P`; see bench/pan-scan.ts): a card
 * number needs at least 14 bytes in a row from a small set (digits, separators, bytes of full-width
 * digits), so only such stretches are read byte by byte. Large chunks find them with a SIMD pre-filter
 * (classify-wasm.ts), small ones with a Horspool-style skip loop; ASCII digit runs wholly inside a chunk
 * are decided straight from the buffer, and only runs with full-width characters or across a chunk
 * boundary go through the state machine. A find carries only the masked number (first 6, last 4): the full
 * number never leaves this file.
 */

import { BLOCK, longSpans } from './classify-wasm.ts';
import { luhnAt } from '../platform/security/card-numbers.ts';

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'jcb' | 'diners' | 'discover' | 'unionpay';

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

// Byte classes for the idle loop: 1 = ASCII digit, 2 = 0xEF (may start a full-width digit).
const IDLE = new Uint8Array(256);
for (let b = 0x30; b <= 0x39; b++) IDLE[b] = 1;
IDLE[0xef] = 2;
// Bytes that can occur inside a written card number (digits, separators, and every byte of the full-width
// digits and separators above). A card number is at least MIN_SPAN bytes of these in a row, which lets the
// idle scan look at one byte in MIN_SPAN (Boyer–Moore–Horspool style) instead of every byte.
const INRUN = new Uint8Array(256);
for (const b of [0x20, 0x2d, 0x2e, 0xef, 0xbc, 0x8d, 0x8e, 0xe3, 0x80, 0x83, 0xe2, 0x88, 0x92]) INRUN[b] = 1;
for (let b = 0x30; b <= 0x39; b++) INRUN[b] = 1;
for (let b = 0x90; b <= 0x99; b++) INRUN[b] = 1;
/** The shortest card any brand below accepts is 14 digits (Diners), so at least 14 bytes. */
const MIN_SPAN = 14;
// ASCII word characters: a number glued to one of these is part of an identifier, not a card.
const WORD = new Uint8Array(256);
for (let b = 0; b < 128; b++) if (/[A-Za-z0-9_]/.test(String.fromCharCode(b))) WORD[b] = 1;

// Scanner states.
const S_IDLE = 0;
const S_I_EF = 1; // idle, saw EF
const S_I_EFBC = 2; // idle, saw EF BC
const S_DIGIT = 3; // in a run, last was a digit
const S_D_EF = 4; // after digit: EF
const S_D_EFBC = 5; // after digit: EF BC (digit 90–99, separator 8D/8E)
const S_D_E3 = 6; // after digit: E3 (80 80 ideographic space, 83 BC long vowel mark)
const S_D_E380 = 7;
const S_D_E383 = 8;
const S_D_E2 = 9; // after digit: E2 (80 90 hyphen, 88 92 minus)
const S_D_E280 = 10;
const S_D_E288 = 11;
const S_SEP = 12; // in a run, after one separator: a digit must follow
const S_S_EF = 13;
const S_S_EFBC = 14;

const MAX_GROUPS = 64;
const MAX_PLAIN_GROUPS = 256;
const DIGIT_CAP = 128;

export function brandOf(d: ArrayLike<number>, start: number, len: number): CardBrand | null {
  const d0 = d[start]!;
  const d1 = d[start + 1]!;
  const p2 = d0 * 10 + d1;
  const p4 = p2 * 100 + d[start + 2]! * 10 + d[start + 3]!;
  switch (d0) {
    case 4:
      return len >= 16 ? 'visa' : null;
    case 5:
      return p2 >= 51 && p2 <= 55 && len === 16 ? 'mastercard' : null;
    case 2:
      return p4 >= 2221 && p4 <= 2720 && len === 16 ? 'mastercard' : null;
    case 3: {
      if (p2 === 34 || p2 === 37) return len === 15 ? 'amex' : null;
      if (p4 >= 3528 && p4 <= 3589) return len >= 16 ? 'jcb' : null;
      const p3 = (p4 / 10) | 0;
      if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return len >= 14 ? 'diners' : null;
      return null;
    }
    case 6: {
      if (len < 16) return null;
      const p3 = (p4 / 10) | 0;
      if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return 'discover';
      if (p2 === 62) return 'unionpay';
      return null;
    }
    default:
      return null;
  }
}

function maskDigits(d: ArrayLike<number>, start: number, len: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += d[start + i];
  s += '*'.repeat(len - 10);
  for (let i = len - 4; i < len; i++) s += d[start + i];
  return s;
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
  /** Byte before a pending full-width digit's EF, and that EF's offset. */
  private fwBefore = 0;
  private fwOffset = 0;
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
  /** Total digits in the current run (fast reject for short runs). */
  private runDigits = 0;
  finds = 0;
  /** Pairs of [start, end): at most one stretch per 15 bytes (14 long + 1 outside). Allocated on first use. */
  private spans: Int32Array | null = null;
  /** Groups of an ASCII run measured by the fast path (buffer indices), and a candidate's digits. */
  private pgStart = new Int32Array(MAX_PLAIN_GROUPS);
  private pgEnd = new Int32Array(MAX_PLAIN_GROUPS);
  private tmp = new Uint8Array(24);

  constructor(private readonly onFind: (f: PanFind) => void) {}

  reset(): void {
    this.state = S_IDLE;
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
      nSpans = longSpans(buf, from, to, spans); // stretches of MIN_SPAN (14) or more
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
        // Byte by byte up to `limit`: a table lookup until a digit or a possible full-width digit.
        let c = 0;
        while (i < limit && (c = IDLE[buf[i]!]!) === 0) i++;
        if (i >= limit) continue;
        if (c === 1) {
          // Fast path: measure the ASCII run (digits with single ASCII separators) in a tight loop, noting
          // its groups. A run wholly inside this chunk is decided right here from the buffer: one with fewer
          // than 14 digits (dates, prices, ids) costs nothing more. Runs that touch full-width characters
          // or the chunk's end go through the state machine below.
          const pgStart = this.pgStart;
          const pgEnd = this.pgEnd;
          let j = i;
          let total = 0;
          let groups = 0;
          let plain = true;
          for (;;) {
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
            if (k + 1 >= to) {
              plain = false; // the chunk ends inside the run: let the state machine carry it over
              break;
            }
            const x = buf[k]!;
            if (x === 0x20 || x === 0x2d || x === 0x2e) {
              const y = buf[k + 1]!;
              if (y >= 0x30 && y <= 0x39) {
                j = k + 1;
                continue;
              }
              if (y === 0xef) plain = false; // a full-width digit may follow
            } else if (x === 0xef || x === 0xe3 || x === 0xe2) plain = false; // full-width digit or separator
            j = k;
            break;
          }
          if (plain) {
            if (total >= MIN_SPAN) {
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
          this.fwBefore = i > from ? buf[i - 1]! : this.prevByte;
          this.fwOffset = base + i;
          state = S_I_EF;
        }
        i++;
        continue;
      }
      const b = buf[i]!;
      switch (state) {
        case S_I_EF:
          state = b === 0xbc ? S_I_EFBC : S_IDLE;
          if (state === S_IDLE) continue; // re-read b in the idle loop
          break;
        case S_I_EFBC:
          if (b >= 0x90 && b <= 0x99) {
            this.startRun(WORD[this.fwBefore] === 1, this.fwOffset);
            this.appendDigit(b - 0x90, base + i + 1);
            state = S_DIGIT;
            break;
          }
          state = S_IDLE;
          continue;
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
          if (b === 0x20 || b === 0x2d || b === 0x2e) {
            this.closeGroup();
            state = S_SEP;
          } else if (b === 0xef) state = S_D_EF;
          else if (b === 0xe3) state = S_D_E3;
          else if (b === 0xe2) state = S_D_E2;
          else {
            this.endRun(WORD[b] === 1);
            state = S_IDLE;
            continue;
          }
          break;
        case S_D_EF:
          if (b === 0xbc) state = S_D_EFBC;
          else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_D_EFBC:
          if (b >= 0x90 && b <= 0x99) {
            this.appendDigit(b - 0x90, base + i + 1);
            state = S_DIGIT;
          } else if (b === 0x8d || b === 0x8e) {
            this.closeGroup();
            state = S_SEP;
          } else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_D_E3:
          if (b === 0x80) state = S_D_E380;
          else if (b === 0x83) state = S_D_E383;
          else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_D_E380:
        case S_D_E383:
          if ((state === S_D_E380 && b === 0x80) || (state === S_D_E383 && b === 0xbc)) {
            this.closeGroup();
            state = S_SEP;
          } else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_D_E2:
          if (b === 0x80) state = S_D_E280;
          else if (b === 0x88) state = S_D_E288;
          else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_D_E280:
        case S_D_E288:
          if ((state === S_D_E280 && b === 0x90) || (state === S_D_E288 && b === 0x92)) {
            this.closeGroup();
            state = S_SEP;
          } else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_SEP:
          if (b >= 0x30 && b <= 0x39) {
            this.openGroup(base + i);
            this.appendDigit(b - 48, base + i + 1);
            state = S_DIGIT;
          } else if (b === 0xef) {
            this.fwOffset = base + i;
            state = S_S_EF;
          } else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_S_EF:
          if (b === 0xbc) state = S_S_EFBC;
          else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
        case S_S_EFBC:
          if (b >= 0x90 && b <= 0x99) {
            this.openGroup(this.fwOffset);
            this.appendDigit(b - 0x90, base + i + 1);
            state = S_DIGIT;
          } else {
            this.endRun(false);
            state = S_IDLE;
            continue;
          }
          break;
      }
      i++;
    }
    if (to > from) this.prevByte = buf[to - 1]!;
    this.base = base + to;
    this.state = state;
  }

  /** The stream is over: decides a run that reached its end. */
  end(): void {
    if (this.state >= S_DIGIT) this.endRun(false);
    this.state = S_IDLE;
  }

  private startRun(glued: boolean, offset: number) {
    this.nd = 0;
    this.ng = 0;
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
      let last = g - 1;
      for (let e = g; e < ng; e++) {
        sum += pgEnd[e]! - pgStart[e]!;
        if (sum > 19) break;
        last = e;
      }
      let len = 0;
      for (let e = g; e <= last; e++) for (let k = pgStart[e]!; k < pgEnd[e]!; k++) tmp[len++] = buf[k]! - 48;
      let found = -1;
      for (let e = last; e >= g && len >= MIN_SPAN; e--) {
        if (!(e === ng - 1 && gluedAfter)) {
          const brand = brandOf(tmp, 0, len);
          if (brand && luhnAt(tmp, 0, len)) {
            this.finds++;
            this.onFind({ offset: base + pgStart[g]!, length: pgEnd[e]! - pgStart[g]!, brand, digits: len, masked: maskDigits(tmp, 0, len) });
            found = e;
            break;
          }
        }
        len -= pgEnd[e]! - pgStart[e]!;
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
    if (this.runDigits < 13 && this.ng < MAX_GROUPS - 2) return;
    this.settle(false);
  }

  private endRun(gluedAfter: boolean) {
    this.gEnd[this.ng - 1] = this.lastDigitEnd;
    if (this.runDigits >= 13) {
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
          if (len < 13) break;
          if (final && gluedAfter && e === this.ng - 1) continue;
          const s = this.gIdx[0]!;
          const brand = brandOf(this.dig, s, len);
          if (brand && luhnAt(this.dig, s, s + len)) {
            this.finds++;
            this.onFind({ offset: this.gOff[0]!, length: this.gEnd[e]! - this.gOff[0]!, brand, digits: len, masked: maskDigits(this.dig, s, len) });
            dropThrough = e + 1;
            break;
          }
        }
      }
      this.dropGroups(dropThrough || 1);
    }
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
