import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The only cipher in omamori's vault: AES-256-GCM from Node's `crypto` (OpenSSL), nothing home-made.
 * 96-bit IV (NIST SP 800-38D's recommended length), 128-bit tag, optional associated data.
 */
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** Thrown when the tag does not verify: the key is wrong, or the ciphertext, IV or associated data changed. */
export class AuthenticationFailed extends Error {
  constructor() {
    super('authentication failed');
    this.name = 'AuthenticationFailed';
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`AES-256-GCM needs a ${KEY_BYTES}-byte key`);
}

/** Encrypts with a caller-given IV (test vectors); everything else uses `seal`, which draws a fresh random IV. */
export function gcmEncrypt(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer = Buffer.alloc(0)): { ciphertext: Buffer; tag: Buffer } {
  checkKey(key);
  if (iv.length !== IV_BYTES) throw new Error(`AES-GCM IV must be ${IV_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

export function gcmDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer = Buffer.alloc(0)): Buffer {
  checkKey(key);
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new AuthenticationFailed();
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new AuthenticationFailed();
  }
}

/** A sealed box: IV (12) | ciphertext | tag (16). A fresh random IV per call (T1: no IV reuse under one key). */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const { ciphertext, tag } = gcmEncrypt(key, iv, plaintext, aad);
  return Buffer.concat([iv, ciphertext, tag]);
}

export function open(key: Buffer, box: Buffer, aad: Buffer): Buffer {
  if (box.length < IV_BYTES + TAG_BYTES) throw new AuthenticationFailed();
  return gcmDecrypt(key, box.subarray(0, IV_BYTES), box.subarray(IV_BYTES, box.length - TAG_BYTES), box.subarray(box.length - TAG_BYTES), aad);
}

/** HKDF-SHA256 (RFC 5869): sub-keys with distinct `info` labels are independent of each other. */
export function hkdf(ikm: Buffer, info: string, length = KEY_BYTES, salt: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), length));
}
