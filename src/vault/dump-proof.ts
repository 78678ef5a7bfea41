import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

/**
 * Dump proof: what would a thief get from a copy of the database? Takes the dump the way an attacker (or a
 * backup) would and reports which of the given plain-text needles appear in it.
 * - PostgreSQL: `pg_dump` (plain SQL, data included) of the given URL.
 * - PGlite (the embedded default): `dumpDataDir()`, the tarball of the whole data directory (heap files, WAL,
 *   free space), decompressed: physical pages, so it also shows plain text left in dead row versions or the WAL
 *   after an UPDATE that encrypted it (run VACUUM FULL / CHECKPOINT after the initial encryption to clear them).
 */
export type DumpSource = { kind: 'postgres'; url: string } | { kind: 'pglite'; pglite: Pick<PGlite, 'dumpDataDir'> };

export async function dumpDatabase(source: DumpSource): Promise<Buffer> {
  if (source.kind === 'pglite') {
    const blob = await source.pglite.dumpDataDir('none');
    const bytes = Buffer.from(await blob.arrayBuffer());
    return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  }
  return new Promise<Buffer>((resolve, reject) => {
    // The URL is passed as an argument, not through a shell; --no-owner/--no-privileges keep the output to data.
    const child = spawn(process.env.PG_DUMP ?? 'pg_dump', ['--no-owner', '--no-privileges', '--format=plain', '--dbname', source.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => reject(new Error(`pg_dump could not start (${e.message}); install the PostgreSQL client or set PG_DUMP`)));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`pg_dump exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`))));
  });
}

export interface DumpFindings {
  /** Needles found in the dump (as UTF-8 bytes, or in pg_dump's COPY escaping). */
  found: string[];
  absent: string[];
  bytes: number;
}

function copyEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Which needles occur in the dump bytes. Needles shorter than 4 characters are refused (they match by chance). */
export function searchDump(dump: Buffer, needles: string[]): DumpFindings {
  const found: string[] = [];
  const absent: string[] = [];
  for (const needle of needles) {
    if ([...needle].length < 4) throw new Error('dump proof: needles must be at least 4 characters (shorter ones occur by chance)');
    const forms = new Set([needle, copyEscape(needle)]);
    (([...forms].some((f) => dump.includes(Buffer.from(f, 'utf8'))) ? found : absent) as string[]).push(needle);
  }
  return { found, absent, bytes: dump.length };
}

/** Dumps and searches in one call: `found` must be empty for every piece of personal data. */
export async function dumpProof(source: DumpSource, needles: string[]): Promise<DumpFindings> {
  return searchDump(await dumpDatabase(source), needles);
}

/**
 * After the first encryption of existing plain-text columns, the old plain values survive physically: in dead row
 * versions until VACUUM, and in the write-ahead log (seen in PGlite's data directory until its WAL segment is
 * removed). This rewrites the tables (VACUUM FULL), switches to a new WAL segment with recycling off and checkpoints,
 * so the old segment is deleted rather than reused. PGlite: complete (the dump proof then finds nothing).
 * PostgreSQL: needs a superuser (or pg_checkpoint and SET privileges); WAL archives and base backups taken before
 * the encryption still hold plain text and must be destroyed or expired by the operator.
 */
export async function scrubPlaintextResidue(db: Db, tables: string[]): Promise<void> {
  await db.connection().execute(async (conn) => {
    for (const table of tables) await sql`vacuum full ${sql.table(table)}`.execute(conn);
    await sql`set wal_recycle = off`.execute(conn);
    for (let i = 0; i < 2; i++) {
      await sql`select pg_switch_wal()`.execute(conn);
      await sql`checkpoint`.execute(conn);
    }
    await sql`reset wal_recycle`.execute(conn);
  });
}
