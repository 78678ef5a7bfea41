import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyProvider } from '../vault/index.ts';
import { MANIFEST, MANIFEST_MAC, keyAad, macMatches, manifestMac, parseManifest, partAad, partKey, type Manifest, type PartName } from './format.ts';
import { decryptPart, sha256File } from './part-cipher.ts';

export interface BackupFinding {
  /** The part that failed, or the manifest, or the backup key. */
  part: PartName | 'manifest' | 'key';
  message: string;
}

export interface VerifiedBackup {
  dir: string;
  manifest: Manifest | null;
  findings: BackupFinding[];
  /** The unwrapped backup key, when the manifest authenticated (restore uses it). */
  key: Buffer | null;
}

/** A backup folder, or the newest backup inside a folder of backups. */
export function resolveBackupDir(target: string): string {
  if (existsSync(path.join(target, MANIFEST))) return target;
  const candidates = existsSync(target) ? readdirSync(target).filter((n) => /^omamori-backup-\d{8}T\d{6}Z-[0-9a-f]{16}$/.test(n)).sort() : [];
  if (!candidates.length) throw new Error(`${target}: no backup here (no ${MANIFEST}, no omamori-backup-* folder)`);
  return path.join(target, candidates[candidates.length - 1]!);
}

/**
 * Checks a backup without restoring it: every part's size and SHA-256 against the manifest, the manifest's MAC
 * (under the backup key, unwrapped by the master key provider), and each part's GCM tag by decrypting it to
 * nowhere. Any changed byte in a part or in the manifest is a finding naming it.
 */
export async function verifyBackup(dir: string, provider: KeyProvider | (() => KeyProvider)): Promise<VerifiedBackup> {
  const findings: BackupFinding[] = [];
  let bytes: Buffer;
  let manifest: Manifest;
  try {
    bytes = readFileSync(path.join(dir, MANIFEST));
    manifest = parseManifest(bytes);
  } catch (err) {
    return { dir, manifest: null, key: null, findings: [{ part: 'manifest', message: `unreadable: ${(err as Error).message}` }] };
  }
  const hashOk = new Set<PartName>();
  for (const p of manifest.parts) {
    const file = path.join(dir, p.file);
    if (!existsSync(file)) {
      findings.push({ part: p.name, message: `${p.file} is missing` });
      continue;
    }
    const { sha256, size } = await sha256File(file);
    if (size !== p.size || sha256 !== p.sha256) findings.push({ part: p.name, message: `${p.file}: SHA-256 ${sha256.slice(0, 16)}… (${size} bytes) does not match the manifest's ${p.sha256.slice(0, 16)}… (${p.size} bytes)` });
    else hashOk.add(p.name);
  }
  let key: Buffer | null = null;
  try {
    const kp = typeof provider === 'function' ? provider() : provider;
    key = await kp.unwrap(manifest.key.kekId, manifest.key.wrapped, keyAad(manifest.id));
  } catch (err) {
    findings.push({ part: 'key', message: `the backup key does not unwrap with the configured master key (${(err as Error).message}); the backup needs master key ${manifest.key.kekId} (${manifest.key.provider}), or its manifest was altered` });
    return { dir, manifest, key: null, findings };
  }
  let mac = '';
  try {
    mac = readFileSync(path.join(dir, MANIFEST_MAC), 'utf8');
  } catch {
    // reported below as a mismatch
  }
  if (!macMatches(mac, manifestMac(key, bytes))) {
    findings.push({ part: 'manifest', message: `${MANIFEST} does not match its MAC (${MANIFEST_MAC}): the manifest was changed` });
    return { dir, manifest, key: null, findings };
  }
  for (const p of manifest.parts) {
    if (!hashOk.has(p.name)) continue;
    try {
      let n = 0;
      for await (const chunk of decryptPart(path.join(dir, p.file), partKey(key, p.name), p.iv, p.tag, partAad(manifest.id, p.name))) n += chunk.length;
      if (n !== p.plainBytes) findings.push({ part: p.name, message: `${p.file}: ${n} plain bytes, the manifest says ${p.plainBytes}` });
    } catch (err) {
      findings.push({ part: p.name, message: `${p.file}: ${(err as Error).message}` });
    }
  }
  const expected: PartName[] = ['database', 'audit', 'uploads', 'keys', 'files'];
  for (const name of expected) if (!manifest.parts.some((p) => p.name === name)) findings.push({ part: name, message: 'missing from the manifest' });
  return { dir, manifest, key: findings.length ? null : key, findings };
}
