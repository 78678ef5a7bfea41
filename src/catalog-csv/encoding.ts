import iconv from 'iconv-lite';

/**
 * Japanese shops' spreadsheets write CSV as Shift_JIS (Excel's "CSV", really Windows-31J/CP932) or as UTF-8
 * with a byte-order mark ("CSV UTF-8"). Reading: a BOM means UTF-8; bytes that are valid UTF-8 are UTF-8;
 * anything else is read as CP932 (its NEC/IBM extensions: ①, ㈱, 髙 and the like).
 */
export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'cp932';

export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), 'cp932'), encoding: 'cp932' };
  }
}

/** The file to download: UTF-8 with a BOM (every character survives), or CP932 for older Excel. */
export function encodeCsv(text: string, encoding: 'utf-8-bom' | 'cp932'): Buffer {
  // Characters CP932 cannot hold (emoji, some kanji variants) become "?": the page says so and suggests UTF-8.
  return encoding === 'cp932' ? iconv.encode(text, 'cp932') : Buffer.from(`\uFEFF${text}`, 'utf8');
}
