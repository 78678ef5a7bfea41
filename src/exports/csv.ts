/**
 * CSV for spreadsheets in Japan: UTF-8 with a byte-order mark (Excel otherwise reads Shift_JIS and
 * garbles every name), CRLF line ends, RFC 4180 quoting.
 */
export const bom = '\uFEFF';

// T4/T3: a cell a spreadsheet would run as a formula (=HYPERLINK(...), +cmd|...) gets a leading apostrophe.
// Full-width ＝＋－＠ too: Japanese input methods produce them and some spreadsheet apps fold them to ASCII.
const formulaStart = /^[=+\-@\t\r＝＋－＠]/;

export type CsvValue = string | number | Date | null | undefined;

export function csvCell(v: CsvValue): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : v;
  if (formulaStart.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** The whole file: BOM, the marking line(s) naming who exported it and when, the header, the rows. */
export function csvDocument(marking: readonly string[], columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `${bom}${[...marking.map((m) => csvLine([m])), csvLine(columns), ...rows.map(csvLine)].join('\r\n')}\r\n`;
}
