import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../platform/db/database.ts';
import { keyIdOf } from './envelope.ts';
import { openVault } from './open.ts';
import { rotateDek } from './rotation.ts';
import { openTestDatabase } from './test-support.ts';

// Two instances on one database, as two app processes would be: on PostgreSQL each has its own connection pool.
const t = await openTestDatabase();
const second: DatabaseHandle = t.url ? await openDatabase({ databaseUrl: t.url, dataDir: t.dataDir, databasePoolSize: 4 }) : t.handle;
const config = { keyProvider: 'file' as const, masterKeyFile: path.join(t.dataDir, 'keys', 'master.key'), dataDir: t.dataDir, databaseUrl: t.url, vaultAddr: undefined, vaultTransitKey: 'omamori', vaultTransitMount: 'transit' };
const REFRESH = 300;
const rotator = await openVault(config, t.handle, { refreshMs: REFRESH });
// The writer misses every NOTIFY (no listen): only its refresh interval tells it about the new key.
const writer = await openVault(config, { db: second.db, kind: second.kind }, { refreshMs: REFRESH });
after(async () => {
  await writer.close();
  await rotator.close();
  if (second !== t.handle) await second.close();
  await t.close();
});
const spec = { table: 'vault_rot_instances', primaryKey: 'id', columns: ['email'] };

test('rotation while another instance keeps inserting: no row is left under the retired key', async () => {
  const { db } = t.handle;
  await sql`create table vault_rot_instances (id serial primary key, email text not null)`.execute(db);
  await writer.activeKeyId(spec.table); // as at boot: the first key is created outside a transaction
  let stop = false;
  let written = 0;
  const insert = async () => {
    await second.db.transaction().execute(async (trx) => {
      const id = await writer.nextRowId(trx, spec.table);
      const email = await writer.encrypt({ table: spec.table, column: 'email', rowId: id }, `user${id}@example.jp`);
      await sql`insert into vault_rot_instances (id, email) values (${id}, ${email})`.execute(trx);
    });
    written++;
  };
  for (let i = 0; i < 20; i++) await insert();
  const oldKey = keyIdOf((await sql<{ email: string }>`select email from vault_rot_instances limit 1`.execute(db)).rows[0]!.email)!;
  const loop = (async () => {
    while (!stop) {
      await insert();
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  // graceMs 0: the rotator does not wait before re-encrypting; the wait before retirement (settleMs) and the final
  // count under a lock must still catch everything the writer committed under its stale key.
  const done = await rotateDek(rotator, spec, { batchSize: 8, graceMs: 0, settleMs: REFRESH * 2 });
  await new Promise((r) => setTimeout(r, REFRESH * 2)); // the writer goes on after the retirement
  stop = true;
  await loop;
  assert.deepEqual(done.retiredKeyIds, [oldKey]);
  const rows = (await sql<{ id: number; email: string }>`select id, email from vault_rot_instances order by id`.execute(db)).rows;
  assert.equal(rows.length, written);
  const fresh = await openVault(config, t.handle, { refreshMs: REFRESH });
  for (const r of rows) {
    assert.notEqual(keyIdOf(r.email), oldKey, `row ${r.id} is under the retired key`);
    assert.equal(await fresh.decrypt({ table: spec.table, column: 'email', rowId: r.id }, r.email), `user${r.id}@example.jp`);
  }
  await fresh.close();
});
