import { bmpClasses, OTHER, shapeCodePoints } from './card-shapes.ts';

/**
 * T2/T5: the scanner's byte sets, derived from the one definition of card-number shapes
 * (platform/card-numbers/card-shapes.ts) rather than written down: every UTF-8 byte of every digit,
 * separator and invisible character, and the lead bytes of the non-ASCII digits. Built on first use
 * (classifying the BMP takes ~100 ms), not when the module is loaded.
 */
export interface ShapeBytes {
  /** 1 for every byte that can occur inside a written card number. */
  inRun: Uint8Array;
  /** 1 for the lead bytes of multi-byte characters that count as digits (full-width and other compatibility digits). */
  digitLead: Uint8Array;
  /** The class (card-shapes.ts) of every BMP code point. */
  bmp: Uint8Array;
}

let tables: ShapeBytes | null = null;

export function shapeBytes(): ShapeBytes {
  if (tables) return tables;
  const bmp = bmpClasses();
  const inRun = new Uint8Array(256);
  const digitLead = new Uint8Array(256);
  const encoder = new TextEncoder();
  for (const cp of shapeCodePoints()) {
    const bytes = encoder.encode(String.fromCodePoint(cp));
    for (const b of bytes) inRun[b] = 1;
    const digit = cp < 0x10000 ? bmp[cp]! <= 9 : isDigitLike(cp);
    if (bytes.length > 1 && digit) digitLead[bytes[0]!] = 1;
  }
  tables = { inRun, digitLead, bmp };
  return tables;
}

export const OTHER_CLASS = OTHER;

function isDigitLike(cp: number): boolean {
  const n = String.fromCodePoint(cp).normalize('NFKC');
  return n.length === 1 && n >= '0' && n <= '9';
}
