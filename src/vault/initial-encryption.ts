import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { scrubPlaintextResidue } from './dump-proof.ts';
import type { EncryptedTableSpec } from './registry.ts';
import { reencryptTable } from './rotation.ts';
import type { Vault } from './vault.ts';

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

/**
 * Whether any row still holds a plain value in one of the encrypted columns (a quick check made at every start).
 * '' does not count: it reveals nothing, and some columns keep it unencrypted (an empty staff note, an erased order).
 */
async function hasPlaintext(db: Db, spec: EncryptedTableSpec): Promise<boolean> {
  const plain = sql.join(spec.columns.map((c) => sql`(${sql.ref(c)} <> '' and ${sql.ref(c)} not like 'v1.%')`), sql` or `);
  const r = await sql<{ one: number }>`select 1 as one from ${sql.table(spec.table)} where ${plain} limit 1`.execute(db);
  return r.rows.length > 0;
}

/** Job payloads written before 0036 are plain JSON in `payload`: sealed into payload_sealed, `payload` emptied. */
async function sealPlainJobPayloads(vault: Vault, db: Db, batchSize: number): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await db.selectFrom('job').select(['id', 'payload']).where('payload_sealed', 'is', null).where(sql<boolean>`payload <> '{}'::jsonb`).orderBy('id').limit(batchSize).execute();
    if (!rows.length) return done;
    await db.transaction().execute(async (trx) => {
      for (const row of rows) {
        const sealed = await vault.encrypt({ table: 'job', column: 'payload_sealed', rowId: row.id }, JSON.stringify(row.payload));
        await trx.updateTable('job').set({ payload: '{}', payload_sealed: sealed }).where('id', '=', row.id).where('payload_sealed', 'is', null).execute();
      }
    });
    done += rows.length;
  }
}

/**
 * Start-up step (issue 5): encrypts, in batches, the rows an older version wrote in plain text into the tables
 * registered with `encryptPlaintextAtStart` (e.g. the demo database's orders and outbox), writing their blind
 * indexes, then scrubs the old plain values from dead rows and the WAL (T1: a dump taken afterwards holds none).
 * Idempotent and cheap when there is nothing to do (one `limit 1` query per table); an interrupted run resumes
 * (reencryptTable keeps its cursor). With several instances on PostgreSQL, an advisory lock lets one do it.
 */
export async function encryptPlaintextAtStart(vault: Vault, db: Db, opts: { kind: 'pglite' | 'postgres'; log?: Log; batchSize?: number; /** Every encrypted table (src/app/encrypted-tables.ts, passed in by boot). */ tables: EncryptedTableSpec[] }): Promise<string[]> {
  const batchSize = opts.batchSize ?? 500;
  // Issue 18: everything runs on `db` as given; under the advisory lock that is the one connection holding it.
  const run = async (db: Db): Promise<string[]> => {
    // Every registered table's key exists and is cached before the first write: writers encrypt inside transactions.
    for (const spec of opts.tables) await vault.activeKeyId(spec.table);
    const touched: string[] = [];
    for (const spec of opts.tables.filter((s) => s.encryptPlaintextAtStart)) {
      if (!(await hasPlaintext(db, spec))) continue;
      const index = spec.indexes;
      try {
        const r = await reencryptTable(vault, spec, { db, batchSize, encryptPlaintext: true, derive: index ? (plain) => index(vault, plain) : undefined });
        opts.log?.info({ table: spec.table, rows: r.rows }, 'plain-text personal data encrypted');
        touched.push(spec.table);
      } catch (err) {
        // e.g. a tampered value: the store still starts (that row fails when read); the next start resumes here.
        opts.log?.error({ table: spec.table, err: (err as Error).message }, 'plain-text personal data could not all be encrypted; fix the named row and restart');
      }
    }
    if (await sealPlainJobPayloads(vault, db, batchSize)) touched.push('job');
    if (touched.length) {
      try {
        await scrubPlaintextResidue(db, touched);
      } catch (err) {
        // PostgreSQL without superuser rights: the live rows are encrypted; dead rows go with autovacuum.
        opts.log?.warn({ err: (err as Error).message, tables: touched }, 'old plain values could not be scrubbed from the database files; run VACUUM FULL on these tables and a CHECKPOINT as a superuser, and expire older backups and WAL archives');
      }
    }
    return touched;
  };
  if (opts.kind !== 'postgres') return run(db);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(7341005)`.execute(conn);
    try {
      return await run(conn);
    } finally {
      await sql`select pg_advisory_unlock(7341005)`.execute(conn);
    }
  });
}
