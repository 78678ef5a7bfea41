import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendAudit } from '../audit/chain.ts';
import { openDatabase } from '../platform/db/database.ts';
import type { KeyProvider } from '../vault/index.ts';
import { safeRelative, unpackFiles, writerFor } from './archive.ts';
import type { BackupConfig } from './create.ts';
import { pgliteDirIsEmpty, pgliteRestore, pgRestore, userTableCount } from './database-dump.ts';
import { MANIFEST, MANIFEST_MAC, parseManifest, partAad, partKey, type PartName } from './format.ts';
import { decryptPart, decryptPartToFile } from './part-cipher.ts';
import { verifyBackup } from './verify.ts';

type RestoreConfig = BackupConfig & { databasePoolSize: number };

/** Where each folder part goes under DATA_DIR. */
const folderOf: Record<Exclude<PartName, 'database'>, string> = { audit: 'audit', uploads: 'uploads', keys: 'keys', files: '' };

export interface RestoreResult {
  id: string;
  createdAt: string;
  files: number;
  ms: number;
}

/**
 * Restores a verified backup into an EMPTY database and DATA_DIR: refuses (changing nothing) when the backup
 * does not verify, was taken from the other kind of database, the database has any table, or a file it
 * would write already exists. The database goes first (pg_restore in one transaction), then the files.
 */
export async function restoreBackup(opts: { dir: string; config: RestoreConfig; provider: KeyProvider | (() => KeyProvider) }): Promise<RestoreResult> {
  // T5: a part swapped on disk between verification and use. Everything is copied once into a private folder, verified
  // there, and restored only from those copies; the folder goes away afterwards, also on failure.
  const work = mkdtempSync(path.join(tmpdir(), 'omamori-restoring-')); // mode 0700
  try {
    return await restoreFromPrivateCopy(opts, work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function privateCopy(dir: string, work: string): string {
  const copy = path.join(work, 'backup');
  mkdirSync(copy, { mode: 0o700 });
  const take = (name: string) => {
    if (!existsSync(path.join(dir, name))) return; // verify reports it missing
    copyFileSync(path.join(dir, name), path.join(copy, name));
    chmodSync(path.join(copy, name), 0o600);
  };
  take(MANIFEST);
  take(MANIFEST_MAC);
  let files: string[] = [];
  try {
    files = parseManifest(readFileSync(path.join(copy, MANIFEST))).parts.map((p) => p.file);
  } catch {
    // an unreadable manifest: verify reports it
  }
  for (const file of files) take(safeRelative(file));
  return copy;
}

async function restoreFromPrivateCopy(opts: { dir: string; config: RestoreConfig; provider: KeyProvider | (() => KeyProvider) }, work: string): Promise<RestoreResult> {
  const started = performance.now();
  const { config } = opts;
  const dir = privateCopy(opts.dir, work);
  const verified = await verifyBackup(dir, opts.provider);
  if (verified.findings.length || !verified.key || !verified.manifest) {
    throw new Error(`the backup does not verify, nothing restored:\n${verified.findings.map((f) => `  ${f.part}: ${f.message}`).join('\n')}`);
  }
  const { manifest, key } = verified;
  const kind = config.databaseUrl ? 'postgres' : 'pglite';
  if (manifest.database.kind !== kind) {
    throw new Error(manifest.database.kind === 'pglite'
      ? 'this backup holds the embedded database (PGlite): restore it with DATABASE_URL unset'
      : 'this backup holds a PostgreSQL database: restore it with DATABASE_URL set to an empty database');
  }
  const pgdata = path.join(config.dataDir, 'pgdata');
  if (kind === 'postgres') {
    const handle = await openDatabase(config);
    try {
      const n = await userTableCount(handle.db);
      if (n > 0) throw new Error(`the database at DATABASE_URL is not empty (${n} tables): restore goes into an empty database only (create one with createdb), nothing restored`);
    } finally {
      await handle.close();
    }
  } else if (!pgliteDirIsEmpty(pgdata)) {
    throw new Error(`${pgdata} already holds a database: restore goes into an empty DATA_DIR only (stop the store, move the folder away), nothing restored`);
  }

  const part = (name: PartName) => manifest.parts.find((p) => p.name === name)!;
  const chunks = (name: PartName) => {
    const p = part(name);
    return decryptPart(path.join(dir, p.file), partKey(key, name), p.iv, p.tag, partAad(manifest.id, name));
  };
  // The database part is decrypted to a 0600 file and authenticated whole before pg_restore or PGlite sees a byte.
  const dbPart = part('database');
  const dbPlain = path.join(work, 'database.plain');
  await decryptPartToFile(path.join(dir, dbPart.file), partKey(key, 'database'), dbPart.iv, dbPart.tag, partAad(manifest.id, 'database'), dbPlain);
  const dbChunks = () => createReadStream(dbPlain) as AsyncIterable<Buffer>;
  // Every file the backup would write must be new: list them first, so a refusal changes nothing.
  const folders = Object.keys(folderOf) as Array<keyof typeof folderOf>;
  for (const name of folders) {
    const root = path.join(config.dataDir, folderOf[name]);
    await unpackFiles(chunks(name), (f) => {
      const target = path.join(root, safeRelative(f.path));
      if (existsSync(target)) throw new Error(`${target} already exists: restore writes into an empty DATA_DIR only (the master key file may be there), nothing restored`);
      return null;
    });
  }

  if (kind === 'postgres') await pgRestore(config.databaseUrl!, dbChunks(), manifest.database.tool);
  else {
    mkdirSync(pgdata, { recursive: true, mode: 0o700 });
    try {
      await pgliteRestore(pgdata, dbChunks());
    } catch (err) {
      rmSync(pgdata, { recursive: true, force: true }); // it was empty before: leave it so, and a retry possible
      throw err;
    }
  }
  let files = 0;
  for (const name of folders) {
    const root = path.join(config.dataDir, folderOf[name]);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    files += (await unpackFiles(chunks(name), (f) => writerFor(root, f))).length;
  }
  key.fill(0);

  const handle = await openDatabase(config);
  try {
    await appendAudit(handle.db, { actor: { type: 'system' }, action: 'backup.restore', object: { type: 'backup', id: manifest.id }, result: 'success', detail: { database: kind, files, taken_at: manifest.createdAt } });
  } finally {
    await handle.close();
  }
  return { id: manifest.id, createdAt: manifest.createdAt, files, ms: performance.now() - started };
}
