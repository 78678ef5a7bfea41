import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open, seal } from '../aead.ts';
import { VaultError } from '../errors.ts';
import { providerConformance } from './conformance.ts';
import { EnvKeyProvider, FileKeyProvider, kekIdOf } from './local.ts';
import { VaultTransitKeyProvider } from './vault-transit.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'omamori-keys-'));

test('key file provider: conformance, created 0600 in DATA_DIR/keys', async () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'keys', 'master.key');
    await providerConformance(async () => new FileKeyProvider({ file, pgdataDir: path.join(dir, 'pgdata'), create: true }));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(file).size, 32);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key file provider: refuses a group/world-readable key file', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'master.key');
    writeFileSync(file, randomBytes(32), { mode: 0o600 });
    chmodSync(file, 0o644);
    assert.throws(() => new FileKeyProvider({ file, create: false }), (e: unknown) => e instanceof VaultError && e.code === 'insecure_key_file' && /chmod 600/.test(e.message));
    chmodSync(file, 0o640);
    assert.throws(() => new FileKeyProvider({ file, create: false }), (e: unknown) => e instanceof VaultError && e.code === 'insecure_key_file');
    chmodSync(file, 0o600);
    assert.ok(new FileKeyProvider({ file, create: false }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key file provider: refuses a key inside the database directory (also through a symlink)', async () => {
  const dir = tmp();
  try {
    const pgdata = path.join(dir, 'pgdata');
    mkdirSync(pgdata);
    assert.throws(() => new FileKeyProvider({ file: path.join(pgdata, 'master.key'), pgdataDir: pgdata, create: true }), (e: unknown) => e instanceof VaultError && e.code === 'insecure_key_file');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(pgdata, path.join(dir, 'keys'));
    assert.throws(() => new FileKeyProvider({ file: path.join(dir, 'keys', 'master.key'), pgdataDir: pgdata, create: true }), (e: unknown) => e instanceof VaultError && e.code === 'insecure_key_file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key file provider: a missing key is never silently re-created for a database that has keys', () => {
  const dir = tmp();
  try {
    assert.throws(() => new FileKeyProvider({ file: path.join(dir, 'keys', 'master.key'), create: false }), (e: unknown) => e instanceof VaultError && e.code === 'missing_key' && /restore the key file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key file provider: a short key file is refused', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'master.key');
    writeFileSync(file, randomBytes(16), { mode: 0o600 });
    assert.throws(() => new FileKeyProvider({ file, create: false }), /exactly 32 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('env provider: conformance; same key as a file gives the same kek id; bad values are clear', async () => {
  const key = randomBytes(32);
  const env = { OMAMORI_MASTER_KEY: key.toString('base64') };
  await providerConformance(async () => new EnvKeyProvider(env));
  assert.equal(await new EnvKeyProvider(env).currentKekId(), kekIdOf(key));
  assert.throws(() => new EnvKeyProvider({}), (e: unknown) => e instanceof VaultError && e.code === 'missing_key');
  assert.throws(() => new EnvKeyProvider({ OMAMORI_MASTER_KEY: 'c2hvcnQ=' }), /32 bytes/);
  // rotation through the environment: the previous key still unwraps
  const aad = Buffer.from('x');
  const old = await new EnvKeyProvider(env).wrap(randomBytes(32), aad);
  const next = new EnvKeyProvider({ OMAMORI_MASTER_KEY: randomBytes(32).toString('base64'), OMAMORI_MASTER_KEY_PREVIOUS: key.toString('base64') });
  assert.equal((await next.unwrap(old.kekId, old.wrapped, aad)).length, 32);
});

/** A small stand-in for Vault's transit engine (encrypt/decrypt with associated_data, keys, rotate, config). */
async function fakeTransit(token: string) {
  const versions = new Map<number, Buffer>([[1, randomBytes(32)]]);
  let minDecrypt = 1;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers['x-vault-token'] !== token) return send(403, { errors: ['permission denied'] });
      const input = body ? JSON.parse(body) : {};
      const latest = Math.max(...versions.keys());
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/v1/transit/keys/omamori') return send(200, { data: { latest_version: latest, min_decryption_version: minDecrypt } });
      if (url === '/v1/transit/keys/omamori/rotate') {
        versions.set(latest + 1, randomBytes(32));
        return send(200, { data: {} });
      }
      if (url === '/v1/transit/keys/omamori/config') {
        minDecrypt = input.min_decryption_version;
        return send(200, { data: {} });
      }
      const aad = Buffer.from(input.associated_data ?? '', 'base64');
      if (url === '/v1/transit/encrypt/omamori') {
        const box = seal(versions.get(latest)!, Buffer.from(input.plaintext, 'base64'), aad);
        return send(200, { data: { ciphertext: `vault:v${latest}:${box.toString('base64')}` } });
      }
      if (url === '/v1/transit/decrypt/omamori') {
        const m = /^vault:v(\d+):(.*)$/.exec(input.ciphertext);
        const v = Number(m?.[1]);
        if (!m || v < minDecrypt || !versions.has(v)) return send(400, { errors: ['ciphertext or signature version is disallowed by policy (too old)'] });
        try {
          return send(200, { data: { plaintext: open(versions.get(v)!, Buffer.from(m[2]!, 'base64'), aad).toString('base64') } });
        } catch {
          return send(400, { errors: ['cipher: message authentication failed'] });
        }
      }
      send(404, { errors: [] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { addr: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('Vault transit provider: conformance against a transit stand-in', async () => {
  const fake = await fakeTransit('t0ken');
  try {
    await providerConformance(async () => new VaultTransitKeyProvider({ addr: fake.addr, token: 't0ken', key: 'omamori' }));
    await assert.rejects(new VaultTransitKeyProvider({ addr: fake.addr, token: 'wrong', key: 'omamori' }).currentKekId(), (e: unknown) => e instanceof VaultError && e.code === 'provider' && /permission denied/.test(e.message));
  } finally {
    await fake.close();
  }
});
