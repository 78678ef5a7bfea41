import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const backupName = /^omamori-backup-\d{8}T\d{6}Z-[0-9a-f]{16}$/;

/** Keeps the newest `keep` complete backups in `dir` (names sort by time) and deletes the older ones. */
export function pruneBackups(dir: string, keep: number): string[] {
  if (keep < 1) return [];
  const all = readdirSync(dir).filter((n) => backupName.test(n)).sort();
  const gone = all.slice(0, Math.max(0, all.length - keep));
  for (const name of gone) rmSync(path.join(dir, name), { recursive: true, force: true });
  return gone;
}
