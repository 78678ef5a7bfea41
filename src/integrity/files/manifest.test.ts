import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { integrityConfig, type IntegrityConfig } from '../config.ts';
import { createBaseline, loadManifest, TreeVerifier } from './manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'omamori-integrity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function makeTree(name: string): IntegrityConfig {
  const root = join(dir, name, 'tree');
  mkdirSync(join(root, 'src', 'checkout'), { recursive: true });
  mkdirSync(join(root, 'static', 'js'), { recursive: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'src', 'checkout', 'view.ts'), 'export const page = "<form>";\n');
  writeFileSync(join(root, 'static', 'js', 'app.js'), 'console.log(1);\n');
  writeFileSync(join(root, 'package.json'), '{}\n');
  writeFileSync(join(root, 'docs', 'notes.md'), 'not deployed\n');
  symlinkSync('../checkout/view.ts', join(root, 'static', 'link.ts'));
  return integrityConfig({ dataDir: join(dir, name, 'data') }, { INTEGRITY_ROOT: root, INTEGRITY_PATHS: 'src,static,package.json,dist' });
}

test('a signed baseline verifies clean; modified, new and removed files are found, in quick and full rounds', async () => {
  const cfg = makeTree('a');
  const made = await createBaseline(cfg);
  assert.equal(made.files, 4);
  assert.equal(made.keyCreated, true);
  assert.equal(statSync(cfg.privateKeyPath).mode & 0o777, 0o600, 'the private key is readable by its owner only');
  const loaded = loadManifest(cfg);
  assert.equal(loaded.status, 'ok');
  if (loaded.status !== 'ok') return;
  const v = new TreeVerifier(cfg.root, loaded.manifest);
  assert.deepEqual((await v.verify({ full: true })).discrepancies, []);
  const quiet = await v.verify({ full: false });
  assert.equal(quiet.hashed, 0, 'an unchanged tree is verified by stat alone');

  appendFileSync(join(cfg.root, 'src', 'checkout', 'view.ts'), '<script src="https://evil.example/s.js"></script>\n');
  writeFileSync(join(cfg.root, 'static', 'js', '.shell.js'), 'eval(location.hash)');
  unlinkSync(join(cfg.root, 'package.json'));
  writeFileSync(join(cfg.root, 'docs', 'notes.md'), 'outside the scope\n');
  const r = await v.verify({ full: false });
  assert.deepEqual(
    r.discrepancies.map((d) => [d.kind, d.path]),
    [
      ['removed', 'package.json'],
      ['modified', 'src/checkout/view.ts'],
      ['added', 'static/js/.shell.js'],
    ],
  );
  assert.equal(r.hashed, 1, 'only the file whose stat changed was hashed');
});

test('a change that keeps size and restores mtime is still found (ctime), and a full round finds it regardless', async () => {
  const cfg = makeTree('b');
  await createBaseline(cfg);
  const loaded = loadManifest(cfg);
  if (loaded.status !== 'ok') throw new Error(loaded.status);
  const v = new TreeVerifier(cfg.root, loaded.manifest);
  await v.verify({ full: true });
  const file = join(cfg.root, 'static', 'js', 'app.js');
  const before = statSync(file);
  await new Promise((r) => setTimeout(r, 20));
  writeFileSync(file, 'console.log(2);\n'); // same size
  utimesSync(file, before.atime, before.mtime); // `touch -d` back to the old time
  assert.deepEqual((await v.verify({ full: false })).discrepancies.map((d) => d.kind), ['modified']);
  assert.deepEqual((await v.verify({ full: true })).discrepancies.map((d) => d.kind), ['modified']);
});

test('a manifest edited after signing, or signed with another key, is refused', async () => {
  const cfg = makeTree('c');
  await createBaseline(cfg);
  const original = readFileSync(cfg.manifestPath, 'utf8');
  // An intruder adds their web shell to the manifest.
  const forged = original.replace('"files": {', '"files": {\n  "static/js/shell.js": { "size": 1, "sha256": "00" },');
  writeFileSync(cfg.manifestPath, forged);
  assert.deepEqual(loadManifest(cfg), { status: 'bad_signature', reason: 'signature does not verify', digest: (loadManifest(cfg) as { digest: string }).digest });
  // ...and signs it with a key of their own: the store's public key does not accept it.
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(cfg.signaturePath, sign(null, Buffer.from(forged), privateKey).toString('base64'));
  assert.equal(loadManifest(cfg).status, 'bad_signature');
  // A pinned public key (INTEGRITY_PUBLIC_KEY) wins over the file beside the manifest.
  const pinned = { ...cfg, publicKeyPem: readFileSync(cfg.publicKeyPath, 'utf8') };
  writeFileSync(cfg.manifestPath, original);
  assert.equal(loadManifest(pinned).status, 'bad_signature', 'the signature file still holds the forged signature');
  await createBaseline(cfg);
  assert.equal(loadManifest(pinned).status, 'ok');
  unlinkSync(cfg.signaturePath);
  assert.equal(loadManifest(cfg).status, 'bad_signature');
  unlinkSync(cfg.manifestPath);
  assert.equal(loadManifest(cfg).status, 'missing');
});
