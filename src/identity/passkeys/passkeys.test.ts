import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { build } from 'esbuild';
import { browserBuildOptions, browserBundles } from '../../../scripts/browser-bundles.mjs';
import { passkeyName } from './ceremony.ts';
import { adminRelyingParty, storeRelyingParty } from './policy.ts';

test('the console is its own relying party: ADMIN_URL, else ADMIN_HOST, else the shop; never the storefront when it has its own', () => {
  const shop = { publicUrl: 'https://shop.example.jp', adminUrl: undefined, adminHost: undefined };
  assert.deepEqual(adminRelyingParty({ ...shop, adminUrl: 'https://admin.example.jp:8443' }, '喫茶'), { id: 'admin.example.jp', name: '喫茶 管理画面', origin: 'https://admin.example.jp:8443', realm: 'admin' });
  assert.equal(adminRelyingParty({ ...shop, adminHost: 'console.example.jp' }, '').origin, 'https://console.example.jp');
  assert.equal(adminRelyingParty(shop, '').origin, 'https://shop.example.jp');
  assert.deepEqual(storeRelyingParty(shop, '喫茶'), { id: 'shop.example.jp', name: '喫茶', origin: 'https://shop.example.jp', realm: 'store' });
});

test('a passkey name is 1-60 visible characters', () => {
  assert.equal(passkeyName('  仕事用ノートPC '), '仕事用ノートPC');
  assert.equal(passkeyName('a\u202Eb\u0000'), 'ab');
  assert.equal(passkeyName(''), null);
  assert.equal(passkeyName('x'.repeat(61)), null);
  assert.equal(passkeyName(42), null);
});

test('the committed browser bundle (static/js/passkeys.js, served with SRI) is what its sources build to', async () => {
  for (const bundle of browserBundles) {
    const out = await build({ ...browserBuildOptions(bundle), write: false });
    const built = out.outputFiles[0]!.text;
    assert.equal(readFileSync(bundle.outfile, 'utf8'), built, `${bundle.outfile} is stale: run \`npm run build\``);
  }
});
