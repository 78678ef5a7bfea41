import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * T2: the key for the keyed hashes in `guard_event`. A plain SHA-256 of a card number could be reversed by
 * trying every number of a brand; an HMAC with a key kept outside the database cannot.
 *
 * The key is `GUARD_HMAC_KEY` (base64, at least 32 bytes) when set (use this when several instances must
 * produce the same digests), else 32 random bytes in `DATA_DIR/keys/guard-hmac.key`, created with mode 0600
 * on first use.
 */
export function loadGuardKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.GUARD_HMAC_KEY;
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length < 32) throw new Error('GUARD_HMAC_KEY must be at least 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
    return key;
  }
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'guard-hmac.key');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': two instances starting together never overwrite each other's key.
    writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = readFileSync(file);
  if (key.length < 32) throw new Error(`${file} is shorter than 32 bytes; remove it to create a new key`);
  try {
    chmodSync(file, 0o600);
  } catch {
    // A read-only mount keeps its own permissions.
  }
  return key;
}

/** HMAC-SHA256 of the card's digits (ASCII), hex. The same number always gives the same digest under one key. */
export function cardDigest(key: Buffer, digits: string): string {
  return createHmac('sha256', key).update(digits).digest('hex');
}

/** HMAC-SHA256 of the client address, domain-separated from card digests. */
export function ipDigest(key: Buffer, ip: string): string {
  return createHmac('sha256', key).update(`ip:${ip}`).digest('hex');
}
