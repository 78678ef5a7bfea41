import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import { PanScanner, redactText, type PanFind } from './pan-scanner.ts';
import { minCardDigits } from './card-shapes.ts';

/**
 * Database side of the card-number scan: every text, varchar, char, json and jsonb column (and arrays of
 * them), and every bigint and numeric column (a card number can be stored as a number) of every table in the current schema, found through information_schema, so a table added by a
 * later migration is covered without touching this file. Rows are read in batches by primary key
 * (keyset pagination, one index range per batch) or, for a table without one, by ranges of heap blocks
 * (ctid), so a large table never loads at once. Works the same on PGlite and PostgreSQL.
 */

export interface DbFind {
  table: string;
  column: string;
  /** Primary key as `col=value` (or `ctid=(block,item)`), any card-like number in it masked. */
  key: string;
  /** Byte offset of the number inside the value (as text). */
  offset: number;
  brand: PanFind['brand'];
  masked: string;
}

export interface DbScanStats {
  tables: number;
  columns: number;
  rows: number;
  values: number;
  bytes: number;
  finds: DbFind[];
  errors: Array<{ table: string; error: string }>;
}

/**
 * Encrypted personal-data fields (issue 5): columns stored as ciphertext are decrypted in memory before scanning,
 * or a card number typed into an encrypted field would never be seen. Return the plaintext for such a value, or
 * `undefined` to scan the stored text as it is. `rowId`: the single-column primary key as text (null otherwise),
 * which the vault binds every value to. The plaintext must stay in memory: never log or persist it. A hook that
 * throws makes the scan incomplete (a value it could not read proves nothing).
 */
export type DecryptHook = (ref: { table: string; column: string; rowId: string | null }, stored: string) => string | undefined | Promise<string | undefined>;

export interface DbScanOptions {
  batchSize?: number;
  decrypt?: DecryptHook;
  /** Called after each batch (the scheduled scan yields to requests between batches). */
  onBatch?: () => Promise<void> | void;
}

interface TableInfo {
  name: string;
  columns: Array<{ name: string; json: boolean }>;
  pk: string[];
}

const SHORTEST_CARD = minCardDigits; // characters: no value shorter than this can hold a card number

export function emptyDbStats(): DbScanStats {
  return { tables: 0, columns: 0, rows: 0, values: 0, bytes: 0, finds: [], errors: [] };
}

export async function discoverTextColumns(db: Db): Promise<TableInfo[]> {
  const cols = await sql<{ table_name: string; column_name: string; data_type: string; udt_name: string }>`
    select c.table_name, c.column_name, c.data_type, c.udt_name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      -- numbers too: a card number kept in a bigint or numeric column is still a card number
      and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'bigint', 'numeric')
           or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar', '_bpchar', '_json', '_jsonb')))
    order by c.table_name, c.ordinal_position`.execute(db);
  const pks = await sql<{ table_name: string; column_name: string }>`
    select kcu.table_name, kcu.column_name
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu
      on kcu.constraint_schema = tc.constraint_schema and kcu.constraint_name = tc.constraint_name and kcu.table_name = tc.table_name
    where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = current_schema()
    order by kcu.table_name, kcu.ordinal_position`.execute(db);
  const tables = new Map<string, TableInfo>();
  for (const c of cols.rows) {
    let t = tables.get(c.table_name);
    if (!t) tables.set(c.table_name, (t = { name: c.table_name, columns: [], pk: [] }));
    t.columns.push({ name: c.column_name, json: c.data_type.startsWith('json') || c.udt_name.startsWith('_json') });
  }
  for (const k of pks.rows) tables.get(k.table_name)?.pk.push(k.column_name);
  return [...tables.values()];
}

/** Scans every text-like column of every table; adds to `stats`. */
export async function scanDatabase(db: Db, stats: DbScanStats, opts: DbScanOptions = {}): Promise<void> {
  const batchSize = opts.batchSize ?? 500;
  const tables = await discoverTextColumns(db);
  const valueFinds: PanFind[] = [];
  const scanner = new PanScanner((f) => valueFinds.push(f));

  const scanRow = async (t: TableInfo, row: Record<string, unknown>, key: () => string, rowId: string | null) => {
    stats.rows++;
    for (let c = 0; c < t.columns.length; c++) {
      let value = row[`c${c}`];
      if (value === null || value === undefined) continue;
      let text = String(value);
      stats.values++;
      stats.bytes += text.length;
      if (opts.decrypt) {
        try {
          const plain = await opts.decrypt({ table: t.name, column: t.columns[c]!.name, rowId }, text);
          if (plain !== undefined) text = plain;
        } catch (err) {
          stats.errors.push({ table: t.name, error: redactText(`${t.columns[c]!.name} (${key()}): not decrypted: ${(err as Error).message}`) });
        }
      }
      if (text.length < SHORTEST_CARD) continue;
      // json keeps `\uFF14` and `\n` escapes as written: scan the decoded keys and values (one after the
      // other, kept apart), so full-width digits and numbers split over lines are seen as the guard sees them.
      if (t.columns[c]!.json && text.includes('\\')) {
        try {
          text = jsonStrings(JSON.parse(text)).join('\u0000');
        } catch {}
      }
      valueFinds.length = 0;
      scanner.reset();
      scanner.push(Buffer.from(text, 'utf8'));
      scanner.end();
      for (const f of valueFinds) stats.finds.push({ table: t.name, column: t.columns[c]!.name, key: key(), offset: f.offset, brand: f.brand, masked: f.masked });
      value = text = '';
    }
  };

  for (const t of tables) {
    stats.tables++;
    stats.columns += t.columns.length;
    try {
      const selected = t.columns.map((c, i) => sql`${sql.ref(c.name)}::text as ${sql.ref(`c${i}`)}`);
      if (t.pk.length) {
        const pkRefs = t.pk.map((k) => sql.ref(k));
        const pkCols = t.pk.map((k, i) => sql`${sql.ref(k)} as ${sql.ref(`k${i}`)}`);
        const pkText = t.pk.map((k, i) => sql`${sql.ref(k)}::text as ${sql.ref(`kt${i}`)}`);
        let last: unknown[] | null = null;
        for (;;) {
          const after: RawBuilder<unknown> = last
            ? sql`where (${sql.join(pkRefs)}) > (${sql.join(last.map((v) => sql`${v}`))})`
            : sql``;
          const rows = (
            await sql<Record<string, unknown>>`select ${sql.join([...pkCols, ...pkText, ...selected])} from ${sql.table(t.name)} ${after} order by ${sql.join(pkRefs)} limit ${batchSize}`.execute(db)
          ).rows;
          for (const row of rows) await scanRow(t, row, () => redactText(t.pk.map((k, i) => `${k}=${row[`kt${i}`]}`).join(',')), t.pk.length === 1 ? String(row.kt0) : null);
          if (rows.length < batchSize) break;
          const lastRow = rows[rows.length - 1]!;
          last = t.pk.map((_, i) => lastRow[`k${i}`]);
          await opts.onBatch?.();
        }
      } else {
        // No primary key: walk the heap by block ranges (a TID range scan, no sort).
        const blockSize = Number((await sql<{ b: string }>`select current_setting('block_size') as b`.execute(db)).rows[0]!.b);
        const blocksPerBatch = 64;
        for (let block = 0; ; block += blocksPerBatch) {
          const quoted = `"${t.name.replace(/"/g, '""')}"`;
          const size = await sql<{ n: string | number }>`select pg_relation_size(${quoted}::regclass) as n`.execute(db);
          if (block * blockSize >= Number(size.rows[0]!.n)) break;
          const rows = (
            await sql<Record<string, unknown>>`select ctid::text as ctid, ${sql.join(selected)} from ${sql.table(t.name)}
              where ctid >= ${`(${block},0)`}::tid and ctid < ${`(${block + blocksPerBatch},0)`}::tid`.execute(db)
          ).rows;
          for (const row of rows) await scanRow(t, row, () => `ctid=${row.ctid}`, null);
          await opts.onBatch?.();
        }
      }
    } catch (err) {
      stats.errors.push({ table: t.name, error: redactText((err as Error).message) });
    }
  }
}

/** Every key, string and number in a parsed JSON value. */
function jsonStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) jsonStrings(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      jsonStrings(x, out);
    }
  }
  return out;
}
