import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { staticDir } from '../paths.ts';

export { staticDir };

const versions = new Map<string, string>();

/** A cache-busting URL for a file under static/, versioned by its content hash (read once). */
export function assetUrl(path: string): string {
  let v = versions.get(path);
  if (v === undefined) {
    try {
      v = createHash('sha256').update(readFileSync(staticDir + path)).digest('hex').slice(0, 12);
    } catch {
      v = 'missing';
    }
    versions.set(path, v);
  }
  return `/static/${path}?v=${v}`;
}
