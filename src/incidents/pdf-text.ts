import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/** Per document: the slices embedded so far. */
export class JapaneseText {
  private fonts = new Map<string, Promise<PDFFont>>();
  constructor(private readonly doc: PDFDocument) {
    doc.registerFontkit(fontkit);
  }

  private font(slice: Slice): Promise<PDFFont> {
    let f = this.fonts.get(slice.file);
    if (!f) this.fonts.set(slice.file, (f = this.doc.embedFont(readFileSync(join(fontDir(), slice.file)), { subset: true })));
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
