import { AuthenticationFailed, IV_BYTES, TAG_BYTES, gcmDecrypt, gcmEncrypt } from './aead.ts';
import { randomBytes } from 'node:crypto';
import { VaultError } from './errors.ts';

/** Where a value lives. The ciphertext is bound to all three (associated data), so it only decrypts there. */
export interface FieldRef {
  table: string;
  column: string;
  rowId: string | number | bigint;
}

/**
 * `v1.<keyId>.<iv>.<ciphertext+tag>`: format version, the data key's id (vault_key.id), then base64url IV
 * (12 bytes) and ciphertext with its 16-byte tag. Self-describing, so values under old and new key versions
 * coexist during a rotation, and a future format can be told apart by its prefix.
 */
const FORMAT = /^v1\.(\d{1,9})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;

export function isCiphertext(value: string): boolean {
  return FORMAT.test(value);
}

export function parseCiphertext(value: string, where: string): { keyId: number; iv: Buffer; body: Buffer } {
  const m = FORMAT.exec(value);
  if (!m) throw new VaultError('tampered', `${where}: not a v1 ciphertext (malformed or plain text)`);
  const body = Buffer.from(m[3]!, 'base64url');
  if (body.length < TAG_BYTES) throw new VaultError('tampered', `${where}: ciphertext too short`);
  return { keyId: Number(m[1]), iv: Buffer.from(m[2]!, 'base64url'), body };
}

export function keyIdOf(value: string): number | null {
  const m = FORMAT.exec(value);
  return m ? Number(m[1]) : null;
}

/** Associated data: length-unambiguous (JSON), so no table/column/row combination can imitate another. */
export function fieldAad(field: FieldRef, keyId: number): Buffer {
  return Buffer.from(JSON.stringify(['omamori-field-v1', field.table, field.column, String(field.rowId), keyId]), 'utf8');
}

export function describe(field: FieldRef): string {
  return `${field.table}.${field.column} (row ${String(field.rowId)})`;
}

export function encryptField(key: Buffer, keyId: number, field: FieldRef, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const { ciphertext, tag } = gcmEncrypt(key, iv, Buffer.from(plaintext, 'utf8'), fieldAad(field, keyId));
  return `v1.${keyId}.${iv.toString('base64url')}.${Buffer.concat([ciphertext, tag]).toString('base64url')}`;
}

export function decryptField(key: Buffer, field: FieldRef, parsed: { keyId: number; iv: Buffer; body: Buffer }): string {
  try {
    const ct = parsed.body.subarray(0, parsed.body.length - TAG_BYTES);
    const tag = parsed.body.subarray(parsed.body.length - TAG_BYTES);
    return gcmDecrypt(key, parsed.iv, ct, tag, fieldAad(field, parsed.keyId)).toString('utf8');
  } catch (err) {
    if (err instanceof AuthenticationFailed) {
      throw new VaultError('tampered', `${describe(field)} failed authentication under key ${parsed.keyId}: the value was altered, or copied from another row or column`);
    }
    throw err;
  }
}
