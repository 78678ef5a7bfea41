import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase } from '../platform/db/database.ts';
import { isCiphertext, keyIdOf } from './envelope.ts';
import { openVault } from './open.ts';
import { openTestDatabase } from './test-support.ts';

// Issue 18: inside a transaction the vault never needs another pool connection, however old its cache is. On a
// pool of one connection, held by the transaction, any such query could never run: encrypting must still finish.
const t = await openTestDatabase();
const single = t.url ? await openDatabase({ databaseUrl: t.url, dataDir: t.dataDir, databasePoolSize: 1, dbAcquireTimeoutMs: 2000 }) : t.handle;
const config = { keyProvider: 'file' as const, masterKeyFile: path.join(t.dataDir, 'keys', 'master.key'), dataDir: t.dataDir, databaseUrl: t.url, vaultAddr: undefined, vaultTransitKey: 'omamori', vaultTransitMount: 'transit' };
const REFRESH = 100;
const vault = await openVault(config, { db: single.db, kind: single.kind }, { refreshMs: REFRESH });
after(async () => {
  await vault.close();
  if (single !== t.handle) await single.close();
  await t.close();
});

test('encrypting inside a transaction on a stale cache needs no second connection; the key is refreshed afterwards', async () => {
  await vault.prepareScopes(['orders']); // as boot does for every encrypted table
  await sleep(REFRESH * 3); // the cache is now older than its refresh interval
  const field = { table: 'orders', column: 'email', rowId: 1 };
  const started = performance.now();
  const ciphertext = await single.db.transaction().execute(async (trx) => {
    await sql`select 1`.execute(trx); // the pool's only connection is now this transaction's
    await sleep(REFRESH * 2); // and the cache goes stale while it is held
    return vault.encrypt(field, 'cold@example.jp');
  });
  assert.ok(performance.now() - started < 1500, 'no wait for a connection');
  assert.ok(isCiphertext(ciphertext));
  assert.equal(await vault.decrypt(field, ciphertext), 'cold@example.jp');

  // A key rotated elsewhere (another instance; no NOTIFY reaches this vault) is picked up by the background refresh.
  const other = await openVault(config, t.handle, { refreshMs: REFRESH });
  const newId = await t.handle.db.transaction().execute(async (trx) => {
    await trx.updateTable('vault_key').set({ state: 'decrypt_only' }).where('scope', '=', 'orders').where('state', '=', 'active').execute();
    return other.createKey('orders', 'data', trx);
  });
  await other.close();
  for (let i = 0; i < 50 && keyIdOf(await vault.encrypt(field, 'x')) !== newId; i++) await sleep(REFRESH);
  assert.equal(keyIdOf(await vault.encrypt(field, 'x')), newId, 'the new key is used within a few refresh intervals');
});
