import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { IV_BYTES, TAG_BYTES } from '../vault/aead.ts';

/**
 * Streams one backup part through AES-256-GCM (Node's crypto) into `file` (mode 0600), hashing the encrypted
 * bytes with SHA-256 on the way, so a part of any size never sits in memory whole.
 */
export async function encryptPart(source: AsyncIterable<Buffer>, key: Buffer, aad: Buffer, file: string): Promise<{ iv: string; tag: string; sha256: string; size: number; plainBytes: number }> {
  const iv = randomBytes(IV_BYTES); // T1: a fresh IV per part; each part also has its own HKDF sub-key
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const hash = createHash('sha256');
  let size = 0;
  let plainBytes = 0;
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        plainBytes += chunk.length;
        const out = cipher.update(chunk);
        size += out.length;
        hash.update(out);
        if (out.length) yield out;
      }
      const last = cipher.final();
      size += last.length;
      hash.update(last);
      if (last.length) yield last;
    },
    createWriteStream(file, { mode: 0o600, flags: 'wx' }),
  );
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), sha256: hash.digest('hex'), size, plainBytes };
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Decrypts a part as a stream of plain chunks. The GCM tag is checked only at the end (the last iteration
 * throws on any changed byte), so callers that act on the plain bytes verify the whole part first.
 */
export async function* decryptPart(file: string, key: Buffer, iv: string, tag: string, aad: Buffer): AsyncGenerator<Buffer> {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    const out = decipher.update(chunk);
    if (out.length) yield out;
  }
  let last: Buffer;
  try {
    last = decipher.final();
  } catch {
    throw new Error('does not decrypt: changed bytes, wrong key or wrong part');
  }
  if (last.length) yield last;
}

/**
 * Decrypts a part into `out` (created 0600, must not exist) and returns only once the GCM tag verified: on any
 * failure the file is removed, so no consumer ever sees a byte of a part that does not authenticate.
 */
export async function decryptPartToFile(file: string, key: Buffer, iv: string, tag: string, aad: Buffer, out: string): Promise<number> {
  let n = 0;
  try {
    await pipeline(
      decryptPart(file, key, iv, tag, aad),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          n += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(out, { mode: 0o600, flags: 'wx' }),
    );
  } catch (err) {
    rmSync(out, { force: true });
    throw err;
  }
  return n;
}
