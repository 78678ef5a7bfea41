import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../platform/config.ts';

const base = { DATA_DIR: '/srv/shop' } as NodeJS.ProcessEnv;

test('config: key file by default, outside pgdata; env when OMAMORI_MASTER_KEY is set; bad keys refused', () => {
  const c = loadConfig(base);
  assert.equal(c.keyProvider, 'file');
  assert.equal(c.masterKeyFile, path.resolve('/srv/shop/keys/master.key'));
  const key = randomBytes(32).toString('base64');
  const e = loadConfig({ ...base, OMAMORI_MASTER_KEY: key });
  assert.equal(e.keyProvider, 'env');
  assert.ok(!JSON.stringify(e).includes(key), 'the key is not copied into the configuration object');
  assert.throws(() => loadConfig({ ...base, OMAMORI_MASTER_KEY: 'dG9vIHNob3J0' }), /OMAMORI_MASTER_KEY: must be 32 bytes/);
  assert.throws(() => loadConfig({ ...base, MASTER_KEY_PROVIDER: 'env' }), /needs OMAMORI_MASTER_KEY/);
  assert.throws(() => loadConfig({ ...base, MASTER_KEY_PROVIDER: 'vault-transit' }), /needs VAULT_ADDR and VAULT_TOKEN/);
  const v = loadConfig({ ...base, MASTER_KEY_PROVIDER: 'vault-transit', VAULT_ADDR: 'https://vault.example.jp:8200', VAULT_TOKEN: 's.x' });
  assert.equal(v.vaultTransitKey, 'omamori');
  assert.ok(!JSON.stringify(v).includes('s.x'));
  assert.equal(loadConfig({ ...base, MASTER_KEY_FILE: '/run/secrets/omamori.key' }).masterKeyFile, '/run/secrets/omamori.key');
});
