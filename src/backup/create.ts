import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../platform/config.ts';
import type { DatabaseHandle } from '../platform/db/database.ts';
import type { KeyProvider } from '../vault/index.ts';
import { appendAudit } from '../audit/chain.ts';
import { listFiles, packFiles } from './archive.ts';
import { dumpDatabase } from './database-dump.ts';
import { FORMAT, MANIFEST, MANIFEST_MAC, keyAad, manifestMac, partAad, partKey, type Manifest, type PartEntry, type PartName } from './format.ts';
import { encryptPart } from './part-cipher.ts';

export type BackupConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'masterKeyFile' | 'backupDir'>;

/** Folders of DATA_DIR that are not copied as files: the database (its own part) and backups themselves. */
const notFiles = new Set(['pgdata', 'backups']);
const folderParts: Record<string, Exclude<PartName, 'database'>> = { audit: 'audit', uploads: 'uploads', keys: 'keys' };

/**
 * T1/T3 principle 2: the master key never goes into a backup (a backup carrying its key protects nothing).
 * The configured key file, and previous versions kept during a rotation, are left out wherever they sit.
 */
function isMasterKey(abs: string, config: BackupConfig): boolean {
  return path.resolve(abs) === path.resolve(config.masterKeyFile) || /^master(-mk-[0-9a-f]{16})?\.key(\.next)?$/.test(path.basename(abs));
}

/** DATA_DIR's state grouped into parts: audit JSON lines, uploads (product images), keys (not the master key), the rest. */
export function dataDirParts(config: BackupConfig, outDir: string): Record<Exclude<PartName, 'database'>, ReturnType<typeof listFiles>> {
  // Never a backup inside a backup: neither this one's folder nor the configured one.
  const outs = new Set([path.resolve(outDir), path.resolve(config.backupDir)]);
  const skip = (abs: string) => outs.has(path.resolve(abs)) || isMasterKey(abs, config);
  const all = listFiles(config.dataDir, (abs, rel) => skip(abs) || (!rel.includes('/') && notFiles.has(rel)));
  const parts = { audit: [], uploads: [], keys: [], files: [] } as Record<Exclude<PartName, 'database'>, typeof all>;
  for (const f of all) {
    const [top, ...rest] = f.path.split('/');
    const part = rest.length ? (folderParts[top!] as Exclude<PartName, 'database'> | undefined) : undefined;
    if (part) parts[part].push({ path: rest.join('/'), abs: f.abs });
    else parts.files.push(f);
  }
  return parts;
}

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  ms: number;
}

/**
 * Takes a backup into a new folder under `outDir`: files first, then the database, so that audit entries
 * written meanwhile are in the database copy (the JSON-lines sink catches up from it after a restore) rather
 * than in the files only. The backup key is wrapped by `provider` (the vault's master key provider).
 */
export async function createBackup(opts: { config: BackupConfig; database: DatabaseHandle; provider: KeyProvider; outDir: string }): Promise<BackupResult> {
  const started = performance.now();
  const { config, database, provider } = opts;
  const id = randomBytes(8).toString('hex');
  const createdAt = new Date();
  const name = `omamori-backup-${createdAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${id}`;
  mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const dir = path.join(opts.outDir, name);
  const tmp = `${dir}.partial`;
  mkdirSync(tmp, { mode: 0o700 });
  try {
    const backupKey = randomBytes(32);
    const { kekId, wrapped } = await provider.wrap(backupKey, keyAad(id));
    const parts: PartEntry[] = [];
    const seal = async (part: PartName, source: AsyncIterable<Buffer>, files?: number) => {
      const file = `${part}.enc`;
      const r = await encryptPart(source, partKey(backupKey, part), partAad(id, part), path.join(tmp, file));
      parts.push({ name: part, file, size: r.size, sha256: r.sha256, iv: r.iv, tag: r.tag, plainBytes: r.plainBytes, ...(files === undefined ? {} : { files }) });
    };
    const folders = dataDirParts(config, opts.outDir);
    for (const part of ['audit', 'uploads', 'keys', 'files'] as const) await seal(part, packFiles(folders[part]), folders[part].length);
    const dump = await dumpDatabase(database, config.databaseUrl);
    await seal('database', dump.stream);
    await dump.done;
    const manifest: Manifest = {
      format: FORMAT,
      id,
      createdAt: createdAt.toISOString(),
      database: { kind: database.kind, format: dump.format, serverVersion: dump.serverVersion, tool: dump.tool },
      key: { provider: provider.kind, kekId, wrapped },
      parts,
    };
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
    writeFileSync(path.join(tmp, MANIFEST), bytes, { mode: 0o600 });
    writeFileSync(path.join(tmp, MANIFEST_MAC), manifestMac(backupKey, bytes) + '\n', { mode: 0o600 });
    backupKey.fill(0);
    renameSync(tmp, dir); // a crash midway leaves only a `.partial` folder, never a backup that looks complete
    const bytesTotal = parts.reduce((n, p) => n + p.size, 0);
    await appendAudit(database.db, { actor: { type: 'system' }, action: 'backup.create', object: { type: 'backup', id }, result: 'success', detail: { database: database.kind, kek: kekId, bytes: bytesTotal } });
    return { dir, manifest, ms: performance.now() - started };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    await appendAudit(database.db, { actor: { type: 'system' }, action: 'backup.create', object: { type: 'backup', id }, result: 'failed', detail: { database: database.kind } }).catch(() => undefined);
    throw err;
  }
}
