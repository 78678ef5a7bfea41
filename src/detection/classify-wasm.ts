/**
 * SIMD pre-filter for the card-number scanner: finds the stretches of at least MIN_SPAN bytes that could
 * hold a written card number, 16 bytes per instruction. Everything outside them is skipped without being
 * looked at in JavaScript. Source: classify.wat (WebAssembly text), compiled with Debian's wabt:
 * `wat2wasm src/detection/classify.wat -o - | base64 -w0`. When WebAssembly SIMD is not available the
 * scanner uses its JavaScript skip loop instead (same results, slower).
 */
const WASM =
  'AGFzbQEAAAABDQJgAn9/AGADf39/AX8DAwIAAQUDAQAoBx0DBm1lbW9yeQIACGNsYXNzaWZ5AAAFc3BhbnMAAQrwBAKPAQIBfwJ7AkADQCACIABPDQEgAv0ABAAhA/0MDwoqLgoKCgoOCgAAEAUFICAD/QwPDw8PDw8PDw8PDw8PDw8P/U79Dv0MAAABAgAAAAAECAAQAAAgACADQQT9bf0O/U4hBCABIAJBA3ZqIAT9DAAAAAAAAAAAAAAAAAAAAAD9JP1kOwEAIAJBEGohAgwACwsL3AMFAX8BfgV/A34Cf0F/IQYCQANAIAMgAE8NASABIANBA3RqKQMAIQQgA0EGdCEFIANBAWohAyAEUARAIAZBAE4EQCAFIAZrQQ5OBEAgAiAHQQN0aiAGNgIAIAIgB0EDdGogBTYCBCAHQQFqIQcLQX8hBgsMAQsgBEJ/UQRAIAZBAEgEQCAFIQYLDAELIAQhCiAGQQBOBEAgBEJ/hXqnIQggBSAIaiAGa0EOTgRAIAIgB0EDdGogBjYCACACIAdBA3RqIAUgCGo2AgQgB0EBaiEHC0F/IQYgBEIBIAithkIBfUJ/hYMhCgsgBEJ/hXmnIQkgCUEASgRAIAVBwABqIAlrIQYgCkJ/IAmtiIMhCgsgCiAKQgGIgyELIAsgC0ICiIMhCyALIAtCBIiDIQsgCyALQgaIgyELIAtCAFIEQCAKIQwCQANAIAxQDQEgDHqnIQ0gDCANrYhCf4V6pyEOIA5BDk4EQCACIAdBA3RqIAUgDWo2AgAgAiAHQQN0aiAFIA1qIA5qNgIEIAdBAWohBwsgDEIBIA6thkIBfSANrYZCf4WDIQwMAAsLCwwACwsgBkEATgRAIAIgB0EDdGogBjYCACACIAdBA3RqIABBBnQ2AgQgB0EBaiEHCyAHCw==';

/** Input bytes per call (the module's memory holds this, the masks and the stretches found). */
export const BLOCK = 1 << 20;
const MASKS = BLOCK + 65536;
const SPANS = BLOCK + 262144;

interface Classifier {
  memory: Uint8Array;
  spans: Int32Array;
  classify(len: number, out: number): void;
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
  c.classify(len + 64, MASKS);
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
