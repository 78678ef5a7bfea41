import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { srcDir, staticDir } from '../platform/paths.ts';
import { extensionOf, storedImageName, type ImageType } from './images.ts';

/**
 * Where uploaded images live: DATA_DIR/uploads. T3: uploads can never become a web shell — the
 * directory is outside the code and static trees, names are random with an extension we chose,
 * files are written 0600 (never executable) and are only ever streamed back by /media with a
 * fixed image content type.
 */
export function uploadsDir(dataDir: string): string {
  const dir = path.resolve(dataDir, 'uploads');
  for (const forbidden of [srcDir, staticDir]) {
    const rel = path.relative(forbidden, dir);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new Error(`uploads directory ${dir} must not be inside ${forbidden}`);
  }
  return dir;
}

export async function storeUpload(dataDir: string, bytes: Buffer, type: ImageType): Promise<string> {
  const dir = uploadsDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileName = randomBytes(16).toString('hex') + extensionOf[type];
  // 'wx': never overwrite an existing file.
  await writeFile(path.join(dir, fileName), bytes, { mode: 0o600, flag: 'wx' });
  return fileName;
}

/** The on-disk path of a stored image, or null if the name is not one we could have generated. */
export function uploadPath(dataDir: string, fileName: string): string | null {
  return storedImageName.test(fileName) ? path.join(uploadsDir(dataDir), fileName) : null;
}

export async function removeUploads(dataDir: string, fileNames: string[]): Promise<void> {
  for (const name of fileNames) {
    const p = uploadPath(dataDir, name);
    if (p) await rm(p, { force: true });
  }
}
