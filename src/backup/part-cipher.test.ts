import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decryptPartToFile, encryptPart } from './part-cipher.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'omamori-part-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = randomBytes(32);
const aad = Buffer.from('omamori/backup/v1/part:test:database');
// Larger than one read chunk (64 KiB), so plain bytes would reach a streaming consumer before the tag is checked.
const plain = randomBytes(300_000);

async function sealed(name: string) {
  const file = path.join(dir, name);
  const r = await encryptPart((async function* () { yield plain.subarray(0, 100_000); yield plain.subarray(100_000); })(), key, aad, file);
  return { file, ...r };
}

test('decryptPartToFile: an intact part decrypts to a 0600 file, the same bytes', async () => {
  const p = await sealed('ok.enc');
  const out = path.join(dir, 'ok.plain');
  assert.equal(await decryptPartToFile(p.file, key, p.iv, p.tag, aad, out), plain.length);
  assert.deepEqual(readFileSync(out), plain);
  assert.equal(statSync(out).mode & 0o777, 0o600);
});

test('decryptPartToFile: a part with a changed byte or a wrong tag is refused and leaves nothing to restore from', async () => {
  const p = await sealed('bad.enc');
  const bytes = readFileSync(p.file);
  bytes[bytes.length - 10]! ^= 1; // in the last chunk: everything before it decrypts "fine" until final()
  writeFileSync(p.file, bytes);
  const out = path.join(dir, 'bad.plain');
  await assert.rejects(decryptPartToFile(p.file, key, p.iv, p.tag, aad, out), /does not decrypt/);
  assert.equal(existsSync(out), false);

  const q = await sealed('tag.enc');
  const wrongTag = Buffer.from(q.tag, 'base64');
  wrongTag[0]! ^= 1;
  const out2 = path.join(dir, 'tag.plain');
  await assert.rejects(decryptPartToFile(q.file, key, q.iv, wrongTag.toString('base64'), aad, out2), /does not decrypt/);
  assert.equal(existsSync(out2), false);
});
