import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The shared secret the proxy sends in EDGE_HEADER: generated at install time into a file (`deploy/install-edge-secret`). */
export function readEdgeSecret(file: string): Buffer {
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < 32) throw new Error(`EDGE_SECRET_FILE ${file}: the secret must be at least 32 characters (openssl rand -hex 32)`);
  return digest(text);
}

/** T1: constant-time comparison; both sides are hashed first so neither the length nor a prefix leaks through timing. */
export function edgeSecretMatches(presented: string | string[] | undefined, expectedDigest: Buffer): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  return timingSafeEqual(digest(presented), expectedDigest);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
