import { shapeBytes } from './shape-bytes.ts';

/**
 * SIMD pre-filter for the card-number scanner: finds the stretches of at least MIN_SPAN bytes that could
 * hold a written card number, 16 bytes per instruction. Everything outside them is skipped without being
 * looked at in JavaScript. Source: classify.wat (WebAssembly text), compiled with wabt
 * (`wat2wasm --enable-simd src/detection/classify.wat -o - | base64 -w0`, or the `wabt` npm package's
 * parseWat/toBinary). The byte set is not in the module: its two nibble tables are built here from
 * shape-bytes.ts (itself derived from the one definition of card-number shapes) and written into the
 * module's memory. When WebAssembly SIMD is not available the scanner uses its JavaScript skip loop
 * instead (same results, slower).
 */

/** The fewest bytes a card number can be written in: 13 digits (card-shapes.ts `minCardDigits`). */
export const MIN_SPAN = 13;
const WASM =
  'AGFzbQEAAAABDgJgA39/fwBgA39/fwF/AwMCAAEFAwEAKAcdAwZtZW1vcnkCAAhjbGFzc2lmeQAABXNwYW5zAAEK3wQCfwIBfwR7IAL9AAQAIQYgAv0ABBAhBwJAA0AgAyAATw0BIAP9AAQAIQQgBiAE/QwPDw8PDw8PDw8PDw8PDw8P/U79DiAHIARBBP1t/Q79TiEFIAEgA0EDdmogBf0MAAAAAAAAAAAAAAAAAAAAAP0k/WQ7AQAgA0EQaiEDDAALCwvcAwUBfwF+BX8DfgJ/QX8hBgJAA0AgAyAATw0BIAEgA0EDdGopAwAhBCADQQZ0IQUgA0EBaiEDIARQBEAgBkEATgRAIAUgBmtBDU4EQCACIAdBA3RqIAY2AgAgAiAHQQN0aiAFNgIEIAdBAWohBwtBfyEGCwwBCyAEQn9RBEAgBkEASARAIAUhBgsMAQsgBCEKIAZBAE4EQCAEQn+FeqchCCAFIAhqIAZrQQ1OBEAgAiAHQQN0aiAGNgIAIAIgB0EDdGogBSAIajYCBCAHQQFqIQcLQX8hBiAEQgEgCK2GQgF9Qn+FgyEKCyAEQn+FeachCSAJQQBKBEAgBUHAAGogCWshBiAKQn8gCa2IgyEKCyAKIApCAYiDIQsgCyALQgKIgyELIAsgC0IEiIMhCyALIAtCBYiDIQsgC0IAUgRAIAohDAJAA0AgDFANASAMeqchDSAMIA2tiEJ/hXqnIQ4gDkENTgRAIAIgB0EDdGogBSANajYCACACIAdBA3RqIAUgDWogDmo2AgQgB0EBaiEHCyAMQgEgDq2GQgF9IA2thkJ/hYMhDAwACwsLDAALCyAGQQBOBEAgAiAHQQN0aiAGNgIAIAIgB0EDdGogAEEGdDYCBCAHQQFqIQcLIAcL';

/** Input bytes per call (the module's memory holds this, the masks and the stretches found). */
export const BLOCK = 1 << 20;
const TABLES = BLOCK + 1024;
const MASKS = BLOCK + 65536;
const SPANS = BLOCK + 262144;

interface Classifier {
  memory: Uint8Array;
  spans: Int32Array;
  classify(len: number, out: number, tables: number): void;
  find(words: number, masks: number, out: number): number;
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
    };
    const { low, high } = shuftiTables(shapeBytes().inRun);
    classifier.memory.set(low, TABLES);
    classifier.memory.set(high, TABLES + 16);
  } catch {
    classifier = null; // no WebAssembly SIMD here: the JavaScript skip loop is used
  }
  return classifier;
}

/**
 * Writes [start, end) pairs (indices into `buf`) of every maximal stretch of "card bytes" in
 * buf[from, to) that is at least 14 long or that touches `to` (it may continue in the next chunk).
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
  const n = c.find((len + 64) >>> 6, MASKS, SPANS);
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
