import iconv from 'iconv-lite';

/**
 * Shift_JIS as Windows and the carriers' software read it (CP932, Microsoft's Shift_JIS with NEC/IBM extensions:
 * ①, ㈱, 髙 are in it). Text typed on a Mac or phone often holds the Unicode look-alikes that Windows maps from the same
 * bytes (the 波ダッシュ problem): those are folded to the CP932 ones before encoding.
 */
const lookAlikes: Record<string, string> = {
  '\u301C': '\uFF5E', // 〜 WAVE DASH -> ～
  '\u2016': '\u2225', // ‖ -> ∥
  '\u2212': '\uFF0D', // − MINUS SIGN -> －
  '\u00A2': '\uFFE0',
  '\u00A3': '\uFFE1',
  '\u00AC': '\uFFE2',
  '\u2014': '\u2015', // — -> ―
};

/** Stands in for a character CP932 does not have (𠮷, emoji): the 〓 (geta) Japanese printers use for it. */
export const missingMark = '〓';

const known = new Map<string, boolean>();
function encodable(ch: string): boolean {
  let ok = known.get(ch);
  if (ok === undefined) {
    ok = ch === '?' || iconv.decode(iconv.encode(ch, 'cp932'), 'cp932') === ch;
    known.set(ch, ok);
  }
  return ok;
}

/** The text as CP932 bytes, and how many characters had to be replaced by 〓. */
export function encodeCp932(text: string): { bytes: Buffer; replaced: number } {
  let replaced = 0;
  let out = '';
  for (const raw of text) {
    const ch = lookAlikes[raw] ?? raw;
    if (encodable(ch)) out += ch;
    else {
      out += missingMark;
      replaced++;
    }
  }
  return { bytes: iconv.encode(out, 'cp932'), replaced };
}

/**
 * An uploaded CSV as text: UTF-8 (with or without a BOM) when the bytes are valid UTF-8, otherwise CP932, which is
 * what the carriers' systems and Excel on Windows write.
 */
export function decodeCsvUpload(bytes: Buffer): { text: string; encoding: 'utf-8' | 'cp932' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(bytes, 'cp932'), encoding: 'cp932' };
  }
}
