import { parse } from 'csv-parse/sync';
import { columns, maxImportRows, requiredColumns, type ColumnKey, type CsvRow } from './columns.ts';

export type ParsedCsv = { ok: true; rows: Array<{ line: number; row: CsvRow }> } | { ok: false; problem: 'unreadable' | 'empty' | 'tooManyRows'; detail?: string } | { ok: false; problem: 'missingColumns'; detail: string };

// T3: our own export writes a leading apostrophe before a cell a spreadsheet would run as a formula; it is
// taken off again on import, so a round trip keeps the text (and nothing typed here is ever evaluated).
const neutralised = /^'(?=[=+\-@\t\r＝＋－＠])/;

/** Header names as spreadsheets leave them: full-width brackets, spaces, a stray BOM. */
const headerKey = (s: string) => s.replace(/^\uFEFF/, '').normalize('NFKC').replace(/\s+/g, '');
const byHeader = new Map(columns.map((c) => [headerKey(c.ja), c.key] as const).concat(columns.map((c) => [c.key, c.key] as const)));

/** Reads the CSV text into rows keyed by column, with each row's line number in the file. */
export function parseProductCsv(text: string): ParsedCsv {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, info: false }) as string[][];
  } catch (err) {
    return { ok: false, problem: 'unreadable', detail: (err as { lines?: number }).lines !== undefined ? String((err as { lines: number }).lines) : undefined };
  }
  if (records.length < 2) return { ok: false, problem: 'empty' };
  if (records.length - 1 > maxImportRows) return { ok: false, problem: 'tooManyRows' };
  const header = records[0]!.map((h) => byHeader.get(headerKey(h)) ?? null);
  const missing = requiredColumns.filter((k) => !header.includes(k));
  if (missing.length) return { ok: false, problem: 'missingColumns', detail: missing.map((k) => columns.find((c) => c.key === k)!.ja).join('、') };
  const rows = records.slice(1).map((cells, i) => {
    const row = Object.fromEntries(columns.map((c) => [c.key, ''])) as CsvRow;
    header.forEach((key: ColumnKey | null, j) => {
      if (key) row[key] = (cells[j] ?? '').replace(neutralised, '').trim();
    });
    return { line: i + 2, row };
  });
  return { ok: true, rows };
}
