import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { srcDir, staticDir } from '../platform/paths.ts';
import { findCardNumbers } from '../platform/card-numbers/card-numbers.ts';
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

/** Decoding more pixels than this is refused (a small file can unpack into a huge image). */
const maxPixels = 50_000_000;

/**
 * T2/T4: an uploaded image is decoded and encoded again with every piece of metadata left behind: EXIF
 * (camera, time, GPS position of a staff member's phone photo), XMP, IPTC, ICC profiles, JPEG comments and
 * APPn segments, PNG tEXt/iTXt/zTXt chunks. The orientation is applied to the pixels first. Text found in
 * the metadata is screened for card numbers (logged, never the number): it is not stored either way.
 * Returns null when the bytes are not a decodable image of the sniffed type.
 */
export async function stripImageMetadata(bytes: Buffer, type: ImageType, log?: Pick<Logger, 'warn'>): Promise<Buffer | null> {
  const { default: sharp } = await import('sharp'); // loaded on first upload, not at start
  try {
    const input = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels });
    const meta = await input.metadata();
    if (meta.format !== { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' }[type]) return null;
    const text = [meta.exif, meta.xmp, meta.iptc].map((b) => (b ? b.toString('latin1') : '')).join('\n') + (meta.comments ?? []).map((c) => `\n${c.keyword} ${c.text}`).join('');
    if (findCardNumbers(text).length) log?.warn({ type }, 'T2: card number in image metadata; the metadata was removed');
    const out = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels }).rotate();
    // sharp writes no metadata unless asked to (no withMetadata/keepExif/keepIccProfile here).
    if (type === 'image/jpeg') return await out.jpeg({ quality: 90 }).toBuffer();
    if (type === 'image/png') return await out.png().toBuffer();
    return await out.webp({ quality: 90 }).toBuffer();
  } catch {
    return null;
  }
}
