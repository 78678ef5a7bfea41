import { shapeBytes } from './shape-bytes.ts';

/**
 * SIMD pre-filter for the card-number scanner: finds the stretches of at least MIN_SPAN bytes that could
 * hold a written card number, 16 bytes per instruction. Everything outside them is skipped without being
 * looked at in JavaScript. Source: classify.wat (WebAssembly text), compiled with wabt
 * (`wat2wasm --enable-simd src/platform/card-numbers/classify.wat -o - | base64 -w0`, or the `wabt` npm package's
 * parseWat/toBinary). The byte set is not in the module: its two nibble tables are built here from
 * shape-bytes.ts (itself derived from the one definition of card-number shapes) and written into the
 * module's memory. When WebAssembly SIMD is not available the scanner uses its JavaScript skip loop
 * instead (same results, slower).
 */

/** The fewest bytes a card number can be written in: 13 digits (card-shapes.ts `minCardDigits`). */
export const MIN_SPAN = 13;
const WASM =
  'AGFzbQEAAAABFgNgA39/fwBgA39/fwF/YAR/f39/AX8DBAMAAQIFAwEAKAckBAZtZW1vcnkCAAhjbGFzc2lmeQAABXNwYW5zAAEEa2VlcAACCtEGA38CAX8EeyAC/QAEACEGIAL9AAQQIQcCQANAIAMgAE8NASAD/QAEACEEIAYgBP0MDw8PDw8PDw8PDw8PDw8PD/1O/Q4gByAEQQT9bf0O/U4hBSABIANBA3ZqIAX9DAAAAAAAAAAAAAAAAAAAAAD9JP1kOwEAIANBEGohAwwACwsL3AMFAX8BfgV/A34Cf0F/IQYCQANAIAMgAE8NASABIANBA3RqKQMAIQQgA0EGdCEFIANBAWohAyAEUARAIAZBAE4EQCAFIAZrQQ1OBEAgAiAHQQN0aiAGNgIAIAIgB0EDdGogBTYCBCAHQQFqIQcLQX8hBgsMAQsgBEJ/UQRAIAZBAEgEQCAFIQYLDAELIAQhCiAGQQBOBEAgBEJ/hXqnIQggBSAIaiAGa0ENTgRAIAIgB0EDdGogBjYCACACIAdBA3RqIAUgCGo2AgQgB0EBaiEHC0F/IQYgBEIBIAithkIBfUJ/hYMhCgsgBEJ/hXmnIQkgCUEASgRAIAVBwABqIAlrIQYgCkJ/IAmtiIMhCgsgCiAKQgGIgyELIAsgC0ICiIMhCyALIAtCBIiDIQsgCyALQgWIgyELIAtCAFIEQCAKIQwCQANAIAxQDQEgDHqnIQ0gDCANrYhCf4V6pyEOIA5BDU4EQCACIAdBA3RqIAUgDWo2AgAgAiAHQQN0aiAFIA1qIA5qNgIEIAdBAWohBwsgDEIBIA6thkIBfSANrYZCf4WDIQwMAAsLCwwACwsgBkEATgRAIAIgB0EDdGogBjYCACACIAdBA3RqIABBBnQ2AgQgB0EBaiEHCyAHC/ABAwh/AX4BfwJAA0AgBCAATw0BIAEgBEEDdGooAgAhBiABIARBA3RqKAIEIQdBACENIAZBBnYhCCAHQQFrQQZ2IQkCQANAIAggCUsNASANQQ1PDQEgAiAIQQN0aikDACEMIAYgCEEGdGshCiAKQQBIBEBBACEKCyAHIAhBBnRrIQsgC0HAAEgEQCAMQgEgC62GQgF9gyEMCyAMIAqtiCEMIA0gDHunaiENIAhBAWohCAwACwsgDUENTyAHIANPcgRAIAEgBUEDdGogBjYCACABIAVBA3RqIAc2AgQgBUEBaiEFCyAEQQFqIQQMAAsLIAUL';

/** Input bytes per call (the module's memory holds this, the masks and the stretches found). */
export const BLOCK = 1 << 20;
const TABLES = BLOCK + 1024;
const MASKS = BLOCK + 65536;
const SPANS = BLOCK + 262144;
/** Masks of the bytes that can begin a digit (ASCII digits, lead bytes of full-width and other digits). */
const DMASKS = SPANS + BLOCK;

interface Classifier {
  memory: Uint8Array;
  spans: Int32Array;
  classify(len: number, out: number, tables: number): void;
  find(words: number, masks: number, out: number): number;
  keep(n: number, spans: number, dmasks: number, tail: number): number;
}

let classifier: Classifier | null | undefined;

function load(): Classifier | null {
  if (classifier !== undefined) return classifier;
  try {
    const mod = new WebAssembly.Module(Buffer.from(WASM, 'base64'));
    const inst = new WebAssembly.Instance(mod, {});
    const mem = inst.exports.memory as WebAssembly.Memory;
    classifier = {
      memory: new Uint8Array(mem.buffer),
      spans: new Int32Array(mem.buffer, SPANS, BLOCK / 4),
      classify: inst.exports.classify as Classifier['classify'],
      find: inst.exports.spans as Classifier['find'],
      keep: inst.exports.keep as Classifier['keep'],
    };
    const { low, high } = shuftiTables(shapeBytes().inRun);
    classifier.memory.set(low, TABLES);
    classifier.memory.set(high, TABLES + 16);
    const digits = shuftiTables(digitBytes());
    classifier.memory.set(digits.low, TABLES + 32);
    classifier.memory.set(digits.high, TABLES + 48);
  } catch {
    classifier = null; // no WebAssembly SIMD here: the JavaScript skip loop is used
  }
  return classifier;
}

/**
 * Writes [start, end) pairs (indices into `buf`) of every maximal stretch of "card bytes" in
 * buf[from, to) that is at least 13 long and holds at least 13 bytes that can begin a digit, or that
 * touches `to` (it may continue in the next chunk).
 * Returns the number of pairs, or -1 when the SIMD path is unavailable. `to - from` ≤ BLOCK.
 */
export function longSpans(buf: Uint8Array, from: number, to: number, out: Int32Array): number {
  const c = load();
  if (!c) return -1;
  const len = to - from;
  c.memory.set(buf.subarray(from, to), 0);
  // Padding with card bytes ('0'): a stretch that touches the chunk's end stays open to the last word,
  // so it is reported whatever its length.
  c.memory.fill(0x30, len, len + 128);
  c.classify(len + 64, MASKS, TABLES);
  c.classify(len + 64, DMASKS, TABLES + 32);
  // Stretches with fewer than 13 bytes that can begin a digit hold no card number (Japanese text is made of
  // card bytes, since 、。ー share theirs with all kana, but holds no digits): dropped before JavaScript sees them.
  const n = c.keep(c.find((len + 64) >>> 6, MASKS, SPANS), SPANS, DMASKS, len);
  const spans = c.spans;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const s = spans[2 * i]!;
    if (s >= len) break; // only padding
    const e = spans[2 * i + 1]!;
    out[k++] = from + s;
    out[k++] = from + (e < len ? e : len);
  }
  return k >> 1;
}

/**
 * Shufti tables for a byte set: bytes are grouped by high nibble; high nibbles with the same set of low
 * nibbles share one of 8 bits. With more than 8 distinct sets, the two whose union adds the fewest bytes
 * are merged (a superset: the pre-filter may then read a few more bytes, never fewer).
 */
export function shuftiTables(member: Uint8Array): { low: Uint8Array; high: Uint8Array; covered: Uint8Array } {
  let sets: Array<{ lows: number; highs: number[] }> = [];
  for (let h = 0; h < 16; h++) {
    let lows = 0;
    for (let l = 0; l < 16; l++) if (member[(h << 4) | l]) lows |= 1 << l;
    if (!lows) continue;
    const same = sets.find((x) => x.lows === lows);
    if (same) same.highs.push(h);
    else sets.push({ lows, highs: [h] });
  }
  const bits = (x: number) => x.toString(2).replace(/0/g, '').length;
  while (sets.length > 8) {
    let best: [number, number, number] = [0, 1, Infinity];
    for (let a = 0; a < sets.length; a++)
      for (let b = a + 1; b < sets.length; b++) {
        const u = sets[a]!.lows | sets[b]!.lows;
        const added = (bits(u) - bits(sets[a]!.lows)) * sets[a]!.highs.length + (bits(u) - bits(sets[b]!.lows)) * sets[b]!.highs.length;
        if (added < best[2]) best = [a, b, added];
      }
    const [a, b] = best;
    const merged = { lows: sets[a]!.lows | sets[b]!.lows, highs: [...sets[a]!.highs, ...sets[b]!.highs] };
    sets = sets.filter((_, k) => k !== a && k !== b).concat(merged);
  }
  const low = new Uint8Array(16);
  const high = new Uint8Array(16);
  sets.forEach((x, k) => {
    for (const h of x.highs) high[h]! |= 1 << k;
    for (let l = 0; l < 16; l++) if (x.lows & (1 << l)) low[l]! |= 1 << k;
  });
  const covered = new Uint8Array(256);
  for (let b = 0; b < 256; b++) covered[b] = low[b & 15]! & high[b >> 4]! ? 1 : 0;
  return { low, high, covered };
}

/** The bytes the SIMD pre-filter treats as card bytes (shape-bytes.ts `inRun`, or a superset of it). */
export const prefilterBytes = () => shuftiTables(shapeBytes().inRun).covered;

/** ASCII digits and the lead bytes of multi-byte digits: a written card number has at least 13 of these. */
export function digitBytes(): Uint8Array {
  const d = shapeBytes().digitLead.slice();
  for (let b = 0x30; b <= 0x39; b++) d[b] = 1;
  return d;
}

/** The bytes the pre-filter counts as digit starts (`digitBytes`, or a superset of it). */
export const prefilterDigitBytes = () => shuftiTables(digitBytes()).covered;
