import { sql } from 'kysely';
import { notify, type Db } from '../platform/db/database.ts';
import { isCiphertext, keyIdOf } from './envelope.ts';
import { VaultError } from './errors.ts';
import { checkSpec, type EncryptedTableSpec } from './registry.ts';
import { KEYS_CHANNEL, dekAad, type Vault } from './vault.ts';

export interface ReencryptOptions {
  /** Rows per batch (one short transaction each). Default 500. */
  batchSize?: number;
  /**
   * Encrypt values that are still plain text (the first encryption of an existing column). Default false:
   * a plain value in an encrypted column is an error.
   */
  encryptPlaintext?: boolean;
  /** Extra columns computed from a row's plain values (blind indexes), written in the same update. */
  derive?: (plain: Record<string, string | null>, rowId: string) => Record<string, string | null>;
  /** How long other instances take to notice a new key (their refreshMs; instances share the setting). Default the vault's refreshMs. */
  graceMs?: number;
  /** How long to wait before the final count and retirement, when an older key is to be retired. Default 2 × graceMs. */
  settleMs?: number;
  /** The handle to run on (default the vault's): a caller that holds one connection passes it, never needing a second. */
  db?: Db;
  /** Called after each committed batch (tests interrupt a rotation here). */
  afterBatch?: (batchesDone: number) => void | Promise<void>;
  log?: (message: string) => void;
}

export interface ReencryptResult {
  table: string;
  targetKeyId: number;
  rows: number;
  batches: number;
  resumed: boolean;
  retiredKeyIds: number[];
}

type Row = Record<string, unknown>;

/**
 * Brings every encrypted value of a table under one key (the table's active key, or the target of a running
 * rotation), in batches, while the store keeps serving:
 * - reads happen outside transactions; each batch writes with `where col is not distinct from <old value>`, so a
 *   value the store changed meanwhile is left alone (and picked up by the sweep), and no lock is held during crypto;
 * - progress (last primary key) is recorded in vault_rotation in the same transaction as the batch, so an
 *   interrupted run resumes where it stopped;
 * - a final sweep re-reads until no value is under another key (catching writes by instances whose cached key was
 *   stale), then the older versions of the table's key are retired (their wrapped keys erased).
 */
export async function reencryptTable(vault: Vault, specIn: EncryptedTableSpec, opts: ReencryptOptions = {}): Promise<ReencryptResult> {
  const spec = checkSpec(specIn);
  const db = opts.db ?? vault.db;
  const batchSize = opts.batchSize ?? 500;
  let rotation = await db.selectFrom('vault_rotation').selectAll().where('kind', '=', 'dek').where('scope', '=', spec.table).where('status', '=', 'running').executeTakeFirst();
  const resumed = !!rotation;
  if (!rotation) {
    const target = await vault.activeKeyId(spec.table);
    rotation = await db.insertInto('vault_rotation').values({ kind: 'dek', scope: spec.table, target: String(target) }).returningAll().executeTakeFirstOrThrow();
  }
  const target = Number(rotation.target);
  let cursor = rotation.cursor;
  let batches = rotation.batches_done;
  let rows = rotation.rows_done;
  opts.log?.(`${spec.table}: ${resumed ? `resuming after ${spec.primaryKey} ${cursor ?? '(start)'}` : 'starting'}, target key ${target}`);

  const pk = sql.ref(spec.primaryKey);
  const cols = spec.columns.map((c) => sql.ref(c));
  const select = sql.join([pk, ...cols]);

  const rewrite = async (batch: Row[], newCursor: string | null): Promise<number> => {
    const updates: Array<{ id: unknown; old: Row; values: Record<string, string | null> }> = [];
    for (const row of batch) {
      const rowId = String(row[spec.primaryKey]);
      const plain: Record<string, string | null> = {};
      const values: Record<string, string | null> = {};
      let changed = false;
      for (const column of spec.columns) {
        const value = row[column] as string | null;
        const field = { table: spec.table, column, rowId };
        if (value === null || value === undefined || value === '') {
          // '' is left as it is: it reveals nothing, and some columns keep it plain (an empty note, an erased order)
          plain[column] = value === '' ? '' : null;
          values[column] = value === '' ? '' : null;
          continue;
        }
        if (!isCiphertext(value)) {
          if (!opts.encryptPlaintext) throw new VaultError('rotation', `${spec.table}.${column} (row ${rowId}) holds a value that is not a ciphertext`);
          plain[column] = value;
        } else {
          plain[column] = await vault.decrypt(field, value);
        }
        if (keyIdOf(value) === target) values[column] = value;
        else {
          values[column] = await vault.encryptWithKey(target, field, plain[column]!);
          changed = true;
        }
      }
      if (changed) updates.push({ id: row[spec.primaryKey], old: row, values: { ...values, ...(opts.derive?.(plain, rowId) ?? {}) } });
    }
    await db.transaction().execute(async (trx) => {
      for (const u of updates) {
        const sets = sql.join(Object.entries(u.values).map(([c, v]) => sql`${sql.ref(c)} = ${v}`));
        const same = sql.join(spec.columns.map((c) => sql`${sql.ref(c)} is not distinct from ${u.old[c] as string | null}`), sql` and `);
        await sql`update ${sql.table(spec.table)} set ${sets} where ${pk} = ${u.id} and ${same}`.execute(trx);
      }
      rows += updates.length;
      batches += 1;
      await trx
        .updateTable('vault_rotation')
        .set({ cursor: newCursor, rows_done: rows, batches_done: batches, updated_at: new Date() })
        .where('id', '=', rotation!.id)
        .execute();
    });
    await opts.afterBatch?.(batches);
    return updates.length;
  };

  // 1. In primary key order, from the recorded cursor.
  for (;;) {
    const after = cursor === null ? sql`true` : sql`${pk} > ${cursor}`;
    const batch = (await sql<Row>`select ${select} from ${sql.table(spec.table)} where ${after} order by ${pk} limit ${batchSize}`.execute(db)).rows;
    if (!batch.length) break;
    cursor = String(batch[batch.length - 1]![spec.primaryKey]);
    await rewrite(batch, cursor);
  }
  // 2. Sweep: anything still not under the target (written meanwhile by an instance with a stale key).
  const prefix = `v1.${target}.%`;
  const stale = sql.join(spec.columns.map((c) => sql`(${sql.ref(c)} <> '' and ${sql.ref(c)} not like ${prefix})`), sql` or `);
  for (let pass = 0; ; pass++) {
    const batch = (await sql<Row>`select ${select} from ${sql.table(spec.table)} where ${stale} order by ${pk} limit ${batchSize}`.execute(db)).rows;
    if (!batch.length) break;
    if (pass > 1000) throw new VaultError('rotation', `${spec.table}: values keep appearing under an old key; is an instance running with a stale key?`);
    await rewrite(batch, cursor);
  }
  // 3. Retire older versions and close the rotation. T1: an instance whose cached active key is stale may still
  // write under the demoted key; every instance re-reads it within its refreshMs, so wait twice that first. Then count
  // and retire in one transaction that blocks writers to the table (PostgreSQL; PGlite is one process), moving any
  // straggler to the target there: a key is never retired while a row still references it.
  const settle = opts.settleMs ?? 2 * (opts.graceMs ?? vault.refreshMs);
  const retiring = await db.selectFrom('vault_key').select('id').where('scope', '=', spec.table).where('state', '=', 'decrypt_only').executeTakeFirst();
  if (retiring && settle > 0) await new Promise((r) => setTimeout(r, settle));
  const retired = await db.transaction().execute(async (trx) => {
    if (vault.kind === 'postgres') await sql`lock table ${sql.table(spec.table)} in share row exclusive mode`.execute(trx);
    for (;;) {
      const left = (await sql<Row>`select ${select} from ${sql.table(spec.table)} where ${stale} order by ${pk} limit ${batchSize}`.execute(trx)).rows;
      if (!left.length) break;
      for (const row of left) {
        const rowId = String(row[spec.primaryKey]);
        const values: Record<string, string | null> = {};
        const plain: Record<string, string | null> = {};
        for (const column of spec.columns) {
          const value = row[column] as string | null;
          if (value === null || value === undefined || value === '' || keyIdOf(value) === target) {
            plain[column] = value === null || value === undefined || value === '' ? (value ?? null) : await vault.decrypt({ table: spec.table, column, rowId }, value);
            continue;
          }
          const field = { table: spec.table, column, rowId };
          if (!isCiphertext(value) && !opts.encryptPlaintext) throw new VaultError('rotation', `${spec.table}.${column} (row ${rowId}) holds a value that is not a ciphertext`);
          plain[column] = isCiphertext(value) ? await vault.decrypt(field, value) : value;
          values[column] = await vault.encryptWithKey(target, field, plain[column]!);
        }
        const all = { ...values, ...(opts.derive?.(plain, rowId) ?? {}) };
        const sets = sql.join(Object.entries(all).map(([c, v]) => sql`${sql.ref(c)} = ${v}`));
        await sql`update ${sql.table(spec.table)} set ${sets} where ${pk} = ${row[spec.primaryKey]}`.execute(trx);
        rows += 1;
      }
    }
    const old = await trx
      .updateTable('vault_key')
      .set({ state: 'retired', wrapped: null, retired_at: new Date() })
      .where('scope', '=', spec.table)
      .where('state', '=', 'decrypt_only')
      .returning('id')
      .execute();
    await trx.updateTable('vault_rotation').set({ status: 'done', rows_done: rows, finished_at: new Date(), updated_at: new Date() }).where('id', '=', rotation!.id).execute();
    await notify(trx, KEYS_CHANNEL, spec.table);
    return old.map((r) => r.id);
  });
  await vault.refreshKeys(db);
  opts.log?.(`${spec.table}: ${rows} rows re-encrypted in ${batches} batches; retired key(s) ${retired.join(', ') || 'none'}`);
  return { table: spec.table, targetKeyId: target, rows, batches, resumed, retiredKeyIds: retired };
}

/**
 * DEK rotation of one table: a new key version becomes active (new writes use it at once; the old version is
 * `decrypt_only`, so every value stays readable), then `reencryptTable` moves every value to it, then the old
 * version is retired. Interrupted, it resumes (the same target key) when run again.
 * `graceMs`: how long to wait for other instances to notice the new key (their cache refreshes within
 * `refreshMs`, at once with LISTEN/NOTIFY) before the sweep; default the vault's refreshMs.
 */
export async function rotateDek(vault: Vault, spec: EncryptedTableSpec, opts: ReencryptOptions = {}): Promise<ReencryptResult> {
  checkSpec(spec);
  const { db } = vault;
  const running = await db.selectFrom('vault_rotation').select('id').where('kind', '=', 'dek').where('scope', '=', spec.table).where('status', '=', 'running').executeTakeFirst();
  if (!running) {
    // A typo must not create a key version: the table and columns must exist.
    await sql`select ${sql.join([sql.ref(spec.primaryKey), ...spec.columns.map((c) => sql.ref(c))])} from ${sql.table(spec.table)} limit 0`.execute(db);
    await vault.activeKeyId(spec.table); // make sure a version exists to rotate from
    const newId = await db.transaction().execute(async (trx) => {
      await trx.updateTable('vault_key').set({ state: 'decrypt_only' }).where('scope', '=', spec.table).where('state', '=', 'active').execute();
      const id = await vault.createKey(spec.table, 'data', trx);
      if (id < 0) throw new VaultError('rotation', `${spec.table}: another rotation created a key at the same time; run again`);
      await trx.insertInto('vault_rotation').values({ kind: 'dek', scope: spec.table, target: String(id) }).execute();
      await notify(trx, KEYS_CHANNEL, spec.table);
      return id;
    });
    await vault.refreshKeys();
    opts.log?.(`${spec.table}: new data key ${newId} is active; older versions decrypt only`);
    const grace = opts.graceMs ?? vault.refreshMs;
    if (grace > 0) await new Promise((r) => setTimeout(r, grace));
  }
  return reencryptTable(vault, spec, opts);
}

/**
 * KEK rotation: re-wraps every data key under the provider's current master key (fast: a few rows, no values
 * touched), then retires the older master keys. With the key file provider `createNew` makes the new key file
 * first; with the env provider the operator has already set the new OMAMORI_MASTER_KEY (old one in _PREVIOUS).
 */
export async function rotateKek(vault: Vault, opts: { createNew: boolean; log?: (m: string) => void; afterKey?: (n: number) => void | Promise<void> }): Promise<{ target: string; rewrapped: number; retired: string[]; resumed: boolean }> {
  const { db, provider } = vault;
  let rotation = await db.selectFrom('vault_rotation').selectAll().where('kind', '=', 'kek').where('status', '=', 'running').executeTakeFirst();
  const resumed = !!rotation;
  if (!rotation) {
    const target = opts.createNew ? await provider.rotate() : await provider.currentKekId();
    rotation = await db.insertInto('vault_rotation').values({ kind: 'kek', scope: '*', target }).returningAll().executeTakeFirstOrThrow();
  }
  const target = rotation.target;
  const current = await provider.currentKekId();
  if (current !== target) throw new VaultError('rotation', `a master key rotation to ${target} is running, but the configured master key is ${current}`);
  await vault.registerKek(target);
  const rows = await db.selectFrom('vault_key').selectAll().where('state', '!=', 'retired').where('kek_id', '!=', target).execute();
  let rewrapped = rotation.rows_done;
  for (const row of rows) {
    const aad = dekAad(row.scope, row.version, row.purpose);
    const key = await provider.unwrap(row.kek_id, row.wrapped!, aad);
    const { kekId, wrapped } = await provider.wrap(key, aad);
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('vault_key').set({ kek_id: kekId, wrapped }).where('id', '=', row.id).where('kek_id', '=', row.kek_id).execute();
      rewrapped += 1;
      await trx.updateTable('vault_rotation').set({ rows_done: rewrapped, cursor: String(row.id), updated_at: new Date() }).where('id', '=', rotation!.id).execute();
    });
    await opts.afterKey?.(rewrapped);
  }
  const retired = await db.transaction().execute(async (trx) => {
    const old = await trx.updateTable('vault_kek').set({ state: 'retired', retired_at: new Date() }).where('state', '=', 'active').where('id', '!=', target).returning('id').execute();
    await trx.updateTable('vault_rotation').set({ status: 'done', finished_at: new Date(), updated_at: new Date() }).where('id', '=', rotation!.id).execute();
    return old.map((r) => r.id);
  });
  for (const id of retired) await provider.retire(id).catch(() => undefined);
  opts.log?.(`master key ${target}: ${rewrapped} data key(s) re-wrapped; retired ${retired.join(', ') || 'none'}`);
  return { target, rewrapped, retired, resumed };
}

/** What `omamori keys status` prints. Never a key, wrapped or not. */
export async function keyStatus(db: Db) {
  const keks = await db.selectFrom('vault_kek').select(['id', 'provider', 'state', 'created_at', 'retired_at']).orderBy('created_at').execute();
  const keys = await db.selectFrom('vault_key').select(['id', 'scope', 'version', 'purpose', 'state', 'kek_id', 'created_at', 'retired_at']).orderBy('scope').orderBy('version').execute();
  const rotations = await db.selectFrom('vault_rotation').selectAll().orderBy('id', 'desc').limit(20).execute();
  return { keks, keys, rotations };
}
