import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Who holds an embedded data directory. PGlite admits one process: two processes writing one
 * data directory corrupt it, and PGlite writes no postmaster.pid a second process could honour.
 * The holder writes DATA_DIR/omamori.lock (created exclusively) with its process id; a lock whose
 * process is gone is stale and taken over.
 */
export interface DataDirHolder {
  pid: number;
  role: 'store' | 'command';
  /** The running store's control socket folder (the pg driver's `host`), when it serves one. */
  socketDir?: string;
}

export const lockFile = (dataDir: string) => join(dataDir, 'omamori.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The live holder of the data directory, or null (no lock, or a stale one). */
export function dataDirHolder(dataDir: string): DataDirHolder | null {
  let raw: string;
  try {
    raw = readFileSync(lockFile(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const h = JSON.parse(raw) as DataDirHolder;
    if (!Number.isInteger(h.pid) || h.pid <= 0) return null;
    return h.pid === process.pid || alive(h.pid) ? h : null;
  } catch {
    return null; // half-written by a holder that died while writing: stale
  }
}

export class DataDirBusy extends Error {
  constructor(readonly holder: DataDirHolder, dataDir: string) {
    super(holder.role === 'store'
      ? `the embedded database in ${dataDir} is held by the running store (process ${holder.pid})`
      : `the embedded database in ${dataDir} is in use by another omamori command (process ${holder.pid}); try again when it has finished`);
  }
}

/** Takes the data directory for this process or throws DataDirBusy; returns the release function. */
export function lockDataDir(dataDir: string, holder: Omit<DataDirHolder, 'pid'>): { update(h: Omit<DataDirHolder, 'pid'>): void; release(): void } {
  const file = lockFile(dataDir);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, ...holder }));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const other = dataDirHolder(dataDir);
      if (other) throw new DataDirBusy(other, dataDir);
      try {
        unlinkSync(file); // stale: its process is gone
      } catch {
        /* another process took it over first; the next attempt tells */
      }
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as DataDirHolder).pid === process.pid) unlinkSync(file);
    } catch {
      /* gone already */
    }
  };
  process.on('exit', release);
  return {
    update(h) {
      // Written aside and renamed over the lock, so that a reader never sees it half-written.
      const aside = `${file}.${process.pid}`;
      const fd = openSync(aside, 'w', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, ...h }));
      closeSync(fd);
      renameSync(aside, file);
    },
    release,
  };
}
