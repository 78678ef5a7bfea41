/**
 * Reads CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows of cells, each with its line number
 * in the file (1-based) for error messages. At most `maxRows` rows; blank lines are skipped.
 */
export function readCsv(text: string, maxRows: number): { rows: Array<{ line: number; cells: string[] }>; tooMany: boolean; unterminated: boolean } {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    if (cells.some((c) => c.trim() !== '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') continue;
    else if (ch === '\n' || ch === '\r') {
      endRow();
      line++;
      rowLine = line;
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), tooMany: true, unterminated: false };
    } else cell += ch;
  }
  if (quoted) return { rows, tooMany: false, unterminated: true };
  if (cell !== '' || cells.length) endRow();
  return { rows: rows.slice(0, maxRows), tooMany: rows.length > maxRows, unterminated: false };
}
