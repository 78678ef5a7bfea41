import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { dataDirHolder } from '../platform/db/data-dir-lock.ts';
import { migrate } from '../platform/db/migrate.ts';
import { createKeyProvider, openVault } from '../vault/index.ts';
import { createBackup } from './create.ts';
import { pruneBackups } from './prune.ts';
import { restoreBackup } from './restore.ts';
import { resolveBackupDir, verifyBackup } from './verify.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };
type Out = Pick<Console, 'log' | 'error'>;

const usage = 'usage: omamori backup create [--out DIR] [--keep N] | backup verify DIR | backup restore DIR';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A backup folder given as the folder, its manifest.json, or a folder of backups (the newest is taken). */
function target(arg: string): string {
  const p = path.resolve(arg);
  return resolveBackupDir(path.basename(p) === 'manifest.json' ? path.dirname(p) : p);
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(2)} MiB`;
}

/** The embedded database's tarball can only be taken inside the process that holds it: the running store does that itself. */
function heldByStore(config: Config): number | null {
  const holder = config.databaseUrl ? null : dataDirHolder(config.dataDir);
  return holder?.role === 'store' ? holder.pid : null;
}

/** The master key provider for verify/restore, never creating a key (a new key could not open an old backup). */
function restoreProvider(config: Config) {
  if (config.keyProvider === 'file' && !existsSync(config.masterKeyFile)) {
    throw new Error(`no master key at ${config.masterKeyFile}: a backup opens only with the master key it was made under; copy the key file there (chmod 600) or set MASTER_KEY_FILE / OMAMORI_MASTER_KEY`);
  }
  return () => createKeyProvider(config, { create: false });
}

export async function runBackup(args: string[], config: Config, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const storePid = heldByStore(config);
    if (storePid) {
      out.error(`the running store (process ${storePid}) holds the embedded database ${path.join(config.dataDir, 'pgdata')}: it backs itself up (BACKUP_INTERVAL_HOURS, into BACKUP_DIR); for a backup on demand, stop the store or use PostgreSQL`);
      return 1;
    }
    const outDir = path.resolve(flag(rest, '--out') ?? config.backupDir);
    const keep = flag(rest, '--keep');
    if (keep !== undefined && !/^[1-9]\d{0,3}$/.test(keep)) {
      out.error('--keep needs a number of backups (1-9999)');
      return 2;
    }
    const handle = await openDatabase(config);
    try {
      await migrate(handle);
      // Opening the vault proves the master key is the database's before it wraps the backup key.
      const vault = await openVault(config, handle);
      try {
        const r = await createBackup({ config, database: handle, provider: vault.provider, outDir });
        for (const p of r.manifest.parts) out.log(`  ${p.name.padEnd(9)} ${mib(p.plainBytes).padStart(12)}${p.files !== undefined ? ` in ${p.files} files` : ''}  sha256 ${p.sha256.slice(0, 16)}…`);
        out.log(`backup ${r.manifest.id} written to ${r.dir} in ${Math.round(r.ms)} ms (encrypted, backup key wrapped by master key ${r.manifest.key.kekId})`);
        if (keep) for (const gone of pruneBackups(outDir, Number(keep))) out.log(`  removed old backup ${gone}`);
        return 0;
      } finally {
        await vault.close();
      }
    } finally {
      await handle.close();
    }
  }
  if ((sub === 'verify' || sub === 'restore') && rest.length === 1) {
    const dir = target(rest[0]!);
    const provider = restoreProvider(config);
    if (sub === 'verify') {
      const r = await verifyBackup(dir, provider);
      for (const f of r.findings) out.log(`FINDING ${f.part}: ${f.message}`);
      const m = r.manifest;
      out.log(`${dir}: ${m ? `backup ${m.id} of ${m.createdAt} (${m.database.kind}), ${m.parts.length} parts` : 'no readable manifest'}: ${r.findings.length ? `${r.findings.length} finding(s)` : 'intact'}`);
      return r.findings.length ? 1 : 0;
    }
    const r = await restoreBackup({ dir, config, provider });
    out.log(`restored backup ${r.id} of ${r.createdAt} (${r.files} files) into ${config.databaseUrl ? 'DATABASE_URL' : path.join(config.dataDir, 'pgdata')} in ${Math.round(r.ms)} ms; start the store with the same master key`);
    return 0;
  }
  out.error(usage);
  return 2;
}

/**
 * `omamori backup create [--out DIR] [--keep N]`: encrypted backup of the database, audit JSON lines, uploads and
 * the rest of DATA_DIR (never the master key). `backup verify DIR`: exit 0 intact, 1 on any finding.
 * `backup restore DIR`: into an empty database and DATA_DIR only.
 */
export const backupCommand: Command = {
  summary: 'backup create [--out DIR] | verify DIR | restore DIR: encrypted backups (never holding the master key)',
  async run(args) {
    return runBackup(args, loadConfig());
  },
};
