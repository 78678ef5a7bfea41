import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import fontkit from '@pdf-lib/fontkit';
import type { PDFDocument, PDFFont, PDFPage } from 'pdf-lib';

/**
 * Japanese text in PDFs with the font shipped as an npm dependency (@fontsource/noto-sans-jp, SIL OFL 1.1): no
 * system font needed. Fontsource splits Noto Sans JP into ~120 slices by unicode-range; each character is drawn
 * with the slice that holds it, and only the glyphs used are embedded (subset).
 */
interface Slice { file: string; ranges: Array<[number, number]> }

let slices: Slice[] | undefined;
const fontDir = () => dirname(createRequire(import.meta.url).resolve('@fontsource/noto-sans-jp/400.css'));

function loadSlices(): Slice[] {
  if (slices) return slices;
  const css = readFileSync(join(fontDir(), '400.css'), 'utf8');
  slices = [];
  for (const block of css.split('@font-face').slice(1)) {
    const file = /url\(\.\/(files\/[^)]+\.woff)\)/.exec(block)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    if (!file || !range) continue;
    const ranges = range.split(',').map((r): [number, number] => {
      const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(a!, 16), parseInt(b ?? a!, 16)];
    });
    slices.push({ file, ranges });
  }
  return slices;
}

const byCodePoint = new Map<number, Slice | null>();
function sliceOf(cp: number): Slice | undefined {
  let s = byCodePoint.get(cp);
  if (s === undefined) byCodePoint.set(cp, (s = loadSlices().find((x) => x.ranges.some(([a, b]) => cp >= a && cp <= b)) ?? null));
  return s ?? undefined;
}

/**
 * A WOFF 1.0 file as the plain OpenType font it wraps (W3C WOFF 1.0, section 5: each table zlib-compressed unless
 * it would not shrink), unpacked once per process with Node's native zlib: fontkit's own JavaScript inflate took
 * about a second per document.
 */
function sfntOf(woff: Buffer): Buffer {
  const n = woff.readUInt16BE(12);
  const tables = Array.from({ length: n }, (_, i) => {
    const at = 44 + i * 20;
    const [tag, offset, compLength, origLength, checksum] = [0, 4, 8, 12, 16].map((o) => woff.readUInt32BE(at + o)) as [number, number, number, number, number];
    const raw = woff.subarray(offset, offset + compLength);
    return { tag, checksum, data: compLength < origLength ? inflateSync(raw) : raw };
  });
  const pow = 2 ** Math.floor(Math.log2(n));
  const head = Buffer.alloc(12 + 16 * n);
  head.writeUInt32BE(woff.readUInt32BE(4), 0);
  head.writeUInt16BE(n, 4);
  head.writeUInt16BE(pow * 16, 6);
  head.writeUInt16BE(Math.log2(pow), 8);
  head.writeUInt16BE(n * 16 - pow * 16, 10);
  const parts: Buffer[] = [head];
  let offset = head.length;
  tables.forEach((t, i) => {
    head.writeUInt32BE(t.tag, 12 + i * 16);
    head.writeUInt32BE(t.checksum, 16 + i * 16);
    head.writeUInt32BE(offset, 20 + i * 16);
    head.writeUInt32BE(t.data.length, 24 + i * 16);
    const padded = Buffer.alloc((t.data.length + 3) & ~3);
    t.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

const fontBytes = new Map<string, Buffer>();
function sliceBytes(file: string): Buffer {
  let b = fontBytes.get(file);
  if (!b) fontBytes.set(file, (b = sfntOf(readFileSync(join(fontDir(), file)))));
  return b;
}

/** Per document: the slices embedded so far. */
export class JapaneseText {
  private fonts = new Map<string, Promise<PDFFont>>();
  constructor(private readonly doc: PDFDocument) {
    doc.registerFontkit(fontkit);
  }

  private font(slice: Slice): Promise<PDFFont> {
    let f = this.fonts.get(slice.file);
    if (!f) this.fonts.set(slice.file, (f = this.doc.embedFont(sliceBytes(slice.file), { subset: true })));
    return f;
  }

  /** Draws one line from (x, y) in runs of the same slice; characters no slice holds are drawn as '?'. */
  async draw(page: PDFPage, text: string, x: number, y: number, size: number): Promise<number> {
    let cursor = x;
    const runs: Array<{ slice: Slice; text: string }> = [];
    for (const ch of text) {
      const slice = sliceOf(ch.codePointAt(0)!) ?? sliceOf(0x3f)!;
      const c = sliceOf(ch.codePointAt(0)!) ? ch : '?';
      const lastRun = runs[runs.length - 1];
      if (lastRun && lastRun.slice === slice) lastRun.text += c;
      else runs.push({ slice, text: c });
    }
    for (const run of runs) {
      const font = await this.font(run.slice);
      page.drawText(run.text, { x: cursor, y, size, font });
      cursor += font.widthOfTextAtSize(run.text, size);
    }
    return cursor - x;
  }

  /** Wraps by width (Japanese has no spaces: character by character) and draws; returns the y after the last line. */
  async paragraph(page: PDFPage, text: string, x: number, y: number, size: number, width: number, leading = 1.6): Promise<number> {
    const perLine = Math.max(1, Math.floor(width / size));
    for (const raw of text.split('\n')) {
      const chars = [...raw];
      if (chars.length === 0) y -= size * leading;
      for (let i = 0; i < chars.length; i += perLine) {
        await this.draw(page, chars.slice(i, i + perLine).join(''), x, y, size);
        y -= size * leading;
      }
    }
    return y;
  }
}
