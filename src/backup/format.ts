import { createHmac, timingSafeEqual } from 'node:crypto';
import { hkdf } from '../vault/aead.ts';

/**
 * A backup is a folder `omamori-backup-<UTC time>-<id>/` holding one AES-256-GCM file per part and a manifest:
 * - `manifest.json`: id, time, source, the backup key wrapped by the master key, and per part its file, size,
 *   SHA-256 of the encrypted bytes, IV and GCM tag;
 * - `manifest.mac`: HMAC-SHA256 of manifest.json's exact bytes under a key derived from the backup key.
 * The backup key (32 random bytes per backup) is never stored in clear: only wrapped by the vault's master key
 * provider, so the backup is as readable as the database it came from, and no more (principle 2).
 */
export const FORMAT = 'omamori-backup/1';
export const MANIFEST = 'manifest.json';
export const MANIFEST_MAC = 'manifest.mac';

export type PartName = 'database' | 'audit' | 'uploads' | 'keys' | 'files';
export const partNames: PartName[] = ['audit', 'uploads', 'keys', 'files', 'database'];

export interface PartEntry {
  name: PartName;
  file: string;
  /** Bytes of the encrypted file, and SHA-256 (hex) over them. */
  size: number;
  sha256: string;
  iv: string;
  tag: string;
  plainBytes: number;
  /** Files inside (folder parts). */
  files?: number;
}

export interface Manifest {
  format: typeof FORMAT;
  id: string;
  createdAt: string;
  database: { kind: 'pglite' | 'postgres'; format: 'pglite-datadir-tar.gz' | 'pg_dump-custom'; serverVersion: string | null; tool: string | null };
  key: { provider: string; kekId: string; wrapped: string };
  parts: PartEntry[];
}

export function keyAad(id: string): Buffer {
  return Buffer.from(`omamori/backup/v1/key:${id}`, 'utf8');
}

export function partAad(id: string, part: PartName): Buffer {
  return Buffer.from(`omamori/backup/v1/part:${id}:${part}`, 'utf8');
}

export function partKey(backupKey: Buffer, part: PartName): Buffer {
  return hkdf(backupKey, `omamori/backup/v1/part/${part}`);
}

export function manifestMac(backupKey: Buffer, manifestBytes: Buffer): string {
  return createHmac('sha256', hkdf(backupKey, 'omamori/backup/v1/manifest-mac')).update(manifestBytes).digest('hex');
}

export function macMatches(expectedHex: string, actualHex: string): boolean {
  const a = Buffer.from(expectedHex.trim(), 'hex');
  const b = Buffer.from(actualHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses and shape-checks manifest.json (its authenticity is checked with the MAC once the key is unwrapped). */
export function parseManifest(bytes: Buffer): Manifest {
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (m?.format !== FORMAT) throw new Error(`not an omamori backup manifest (format ${JSON.stringify(m?.format)})`);
  if (typeof m.id !== 'string' || !/^[0-9a-f]{16}$/.test(m.id)) throw new Error('manifest: bad backup id');
  if (!m.key || typeof m.key.kekId !== 'string' || typeof m.key.wrapped !== 'string') throw new Error('manifest: no wrapped backup key');
  if (!Array.isArray(m.parts)) throw new Error('manifest: no parts');
  for (const p of m.parts) {
    if (!partNames.includes(p.name) || !/^[a-z]+\.enc$/.test(p.file)) throw new Error(`manifest: bad part ${JSON.stringify(p.name)}`);
  }
  return m;
}
