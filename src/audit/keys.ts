import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../platform/config.ts';
import { canonicalJson } from './chain.ts';

export type AuditKeyConfig = Pick<Config, 'dataDir' | 'auditSigningKey' | 'auditPublicKey'>;

export function auditKeyPaths(config: Pick<Config, 'dataDir'>) {
  const dir = join(config.dataDir, 'keys');
  return { privateKeyPath: join(dir, 'audit-ed25519.key'), publicKeyPath: join(dir, 'audit-ed25519.pub') };
}

/** PEM as given, or base64 DER (pkcs8 for a private key, spki for a public one). */
function parseKey(text: string, kind: 'private' | 'public'): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return kind === 'private' ? createPrivateKey(t) : createPublicKey(t);
  const der = Buffer.from(t, 'base64');
  return kind === 'private' ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) : createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** First 16 hex digits of SHA-256 over the public key's SPKI DER: names the key in each checkpoint. */
export function keyId(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/**
 * The signing key: AUDIT_SIGNING_KEY, else DATA_DIR/keys/audit-ed25519.key, created on first use
 * (0600, public key beside it, 0644). The key is outside the database on purpose: whoever can
 * rewrite the table cannot make a checkpoint that verifies.
 */
export function loadSigningKey(config: AuditKeyConfig, opts: { create: boolean }): { privateKey: KeyObject; publicKey: KeyObject; created: boolean } | null {
  if (config.auditSigningKey) {
    const privateKey = parseKey(config.auditSigningKey, 'private');
    return { privateKey, publicKey: createPublicKey(privateKey), created: false };
  }
  const { privateKeyPath, publicKeyPath } = auditKeyPaths(config);
  if (existsSync(privateKeyPath)) {
    const privateKey = parseKey(readFileSync(privateKeyPath, 'utf8'), 'private');
    return { privateKey, publicKey: createPublicKey(privateKey), created: false };
  }
  if (!opts.create) return null;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(privateKeyPath), { recursive: true, mode: 0o700 });
  // 'wx': never overwrite a key another instance created a moment ago.
  try {
    writeFileSync(privateKeyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSigningKey(config, { create: false });
    throw err;
  }
  writeFileSync(publicKeyPath, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  return { privateKey, publicKey, created: true };
}

/** The verification key: AUDIT_PUBLIC_KEY, else the .pub file, else derived from the signing key. */
export function loadPublicKey(config: AuditKeyConfig): KeyObject | null {
  if (config.auditPublicKey) return parseKey(config.auditPublicKey, 'public');
  const { publicKeyPath } = auditKeyPaths(config);
  if (existsSync(publicKeyPath)) return parseKey(readFileSync(publicKeyPath, 'utf8'), 'public');
  return loadSigningKey(config, { create: false })?.publicKey ?? null;
}

export interface CheckpointBody {
  seq: number;
  hash: string;
  at: Date;
  key_id: string;
}

/**
 * What a checkpoint signs (format v1): the UTF-8 bytes of
 *   "omamori-audit-checkpoint-v1\n" + canonicalJson({ at, hash, key_id, seq })
 * with `at` as ISO-8601 UTC (Date#toISOString). Ed25519 (node:crypto), signature base64.
 */
export function checkpointMessage(c: CheckpointBody): Buffer {
  return Buffer.from(`omamori-audit-checkpoint-v1\n${canonicalJson({ at: c.at.toISOString(), hash: c.hash, key_id: c.key_id, seq: c.seq })}`, 'utf8');
}

export function signCheckpoint(c: CheckpointBody, privateKey: KeyObject): string {
  return sign(null, checkpointMessage(c), privateKey).toString('base64');
}

export function checkpointSignatureValid(c: CheckpointBody & { signature: string }, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}
