import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sql } from 'kysely';
import { keyIdOf } from './envelope.ts';
import { VaultError } from './errors.ts';
import { openVault } from './open.ts';
import { keyStatus, reencryptTable, rotateDek, rotateKek } from './rotation.ts';
import { openTestDatabase } from './test-support.ts';

const t = await openTestDatabase();
const config = { keyProvider: 'file' as const, masterKeyFile: path.join(t.dataDir, 'keys', 'master.key'), dataDir: t.dataDir, databaseUrl: t.url, vaultAddr: undefined, vaultTransitKey: 'omamori', vaultTransitMount: 'transit' };
const vault = await openVault(config, t.handle, { refreshMs: 0 });
// A second instance, as another app process would be: its own cache, refreshed by NOTIFY or after refreshMs.
const other = await openVault(config, t.handle, { refreshMs: 50 });
after(async () => {
  await other.close();
  await vault.close();
  await t.close();
});
const { db } = t.handle;
const spec = { table: 'vault_rot_test', primaryKey: 'id', columns: ['email', 'note'] };
const N = 230;

type R = { id: number; email: string | null; note: string | null; email_bidx: string | null };
const rows = async () => (await sql<R>`select id, email, note, email_bidx from vault_rot_test order by id`.execute(db)).rows;
const readAll = async (v = vault) => {
  const out: string[] = [];
  for (const r of await rows()) out.push(`${await v.decrypt({ table: spec.table, column: 'email', rowId: r.id }, r.email!)}|${await v.decryptNullable({ table: spec.table, column: 'note', rowId: r.id }, r.note)}`);
  return out;
};
const expected = Array.from({ length: N }, (_, i) => `user${i + 1}@example.jp|${(i + 1) % 3 === 0 ? null : `メモ${i + 1}`}`);

test('set up: plain rows are encrypted in place, in batches, with their blind index', async () => {
  await sql`create table vault_rot_test (id int primary key, email text, note text, email_bidx text)`.execute(db);
  for (let i = 1; i <= N; i++) await sql`insert into vault_rot_test (id, email, note) values (${i}, ${`user${i}@example.jp`}, ${i % 3 === 0 ? null : `メモ${i}`})`.execute(db);
  const r = await reencryptTable(vault, spec, { batchSize: 64, encryptPlaintext: true, derive: (plain) => ({ email_bidx: plain.email ? vault.emailIndex(plain.email) : null }) });
  assert.equal(r.rows, N);
  assert.equal(r.batches, 4);
  assert.deepEqual(await readAll(), expected);
  const first = (await rows())[0]!;
  assert.equal(first.email_bidx, vault.emailIndex('USER1@example.jp'));
  // run again: nothing left to do
  assert.equal((await reencryptTable(vault, spec)).rows, 0);
  // a plain value in an encrypted column is an error unless the run is the initial encryption
  await sql`insert into vault_rot_test (id, email) values (${N + 1}, 'plain@example.jp')`.execute(db);
  await assert.rejects(reencryptTable(vault, spec), (e: unknown) => e instanceof VaultError && e.code === 'rotation' && !(e as Error).message.includes('plain@'));
  await db.deleteFrom('vault_rotation').where('status', '=', 'running').execute();
  await sql`delete from vault_rot_test where id = ${N + 1}`.execute(db);
});

test('DEK rotation while reading concurrently; interrupted after 2 batches; resumed; old version retired', async () => {
  const oldKey = keyIdOf((await rows())[0]!.email!)!;
  const oldCopy = (await rows())[0]!;
  let stop = false;
  let reads = 0;
  const errors: unknown[] = [];
  const reader = (async () => {
    while (!stop) {
      try {
        assert.deepEqual(await readAll(reads % 2 ? vault : other), expected);
        reads++;
      } catch (err) {
        errors.push(err);
        stop = true;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  // a writer on the other instance keeps rewriting row 5 (with whatever key it believes active)
  const writer = (async () => {
    while (!stop) {
      const ct = await other.encrypt({ table: spec.table, column: 'email', rowId: 5 }, 'user5@example.jp');
      await sql`update vault_rot_test set email = ${ct} where id = 5`.execute(db);
      await new Promise((r) => setTimeout(r, 3));
    }
  })();

  await assert.rejects(
    rotateDek(vault, spec, {
      batchSize: 40,
      graceMs: 0,
      afterBatch: (n) => {
        if (n === 2) throw new Error('simulated crash after 2 batches');
      },
    }),
    /simulated crash/,
  );
  const running = await db.selectFrom('vault_rotation').selectAll().where('kind', '=', 'dek').where('status', '=', 'running').executeTakeFirstOrThrow();
  assert.equal(running.batches_done, 2);
  assert.equal(running.cursor, '80');
  const newKey = Number(running.target);
  assert.notEqual(newKey, oldKey);
  const mixed = new Set((await rows()).map((r) => keyIdOf(r.email!)));
  assert.ok(mixed.has(oldKey) && mixed.has(newKey), 'half-rotated: both versions present and readable');
  assert.deepEqual(await readAll(), expected);

  const done = await rotateDek(vault, spec, { batchSize: 40, graceMs: 60 });
  stop = true;
  await reader;
  await writer;
  assert.deepEqual(errors, []);
  assert.ok(reads > 0);
  assert.equal(done.resumed, true);
  assert.equal(done.targetKeyId, newKey);
  assert.deepEqual(done.retiredKeyIds, [oldKey]);
  for (const r of await rows()) {
    assert.equal(keyIdOf(r.email!), newKey);
    if (r.note) assert.equal(keyIdOf(r.note), newKey);
  }
  assert.deepEqual(await readAll(), expected);
  assert.deepEqual(await readAll(other), expected);
  const old = await db.selectFrom('vault_key').selectAll().where('id', '=', oldKey).executeTakeFirstOrThrow();
  assert.equal(old.state, 'retired');
  assert.equal(old.wrapped, null);
  await assert.rejects(vault.decrypt({ table: spec.table, column: 'email', rowId: 1 }, oldCopy.email!), (e: unknown) => e instanceof VaultError && e.code === 'retired_key');
  const rot = await db.selectFrom('vault_rotation').selectAll().where('kind', '=', 'dek').orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(rot.status, 'done');
  // blind indexes do not change with a DEK rotation
  assert.equal((await rows())[0]!.email_bidx, vault.emailIndex('user1@example.jp'));
});

test('KEK rotation: data keys re-wrapped under a new master key file, old one retired; data unchanged', async () => {
  const before = await rows();
  const oldKek = (await db.selectFrom('vault_kek').select('id').where('state', '=', 'active').executeTakeFirstOrThrow()).id;
  await assert.rejects(rotateKek(vault, { createNew: true, afterKey: (n) => { if (n === 1) throw new Error('interrupted'); } }), /interrupted/);
  // a restart during the rotation: both master keys are on disk, the vault opens
  const midway = await openVault(config, t.handle);
  assert.deepEqual(await readAll(midway), expected);
  await midway.close();
  const r = await rotateKek(vault, { createNew: true });
  assert.equal(r.resumed, true);
  assert.deepEqual(r.retired, [oldKek]);
  const keys = await db.selectFrom('vault_key').selectAll().where('state', '!=', 'retired').execute();
  assert.ok(keys.every((k) => k.kek_id === r.target));
  assert.deepEqual(await rows(), before);
  const fresh = await openVault(config, t.handle);
  assert.deepEqual(await readAll(fresh), expected);
  assert.equal(fresh.emailIndex('user1@example.jp'), before[0]!.email_bidx);
  await fresh.close();
  const status = await keyStatus(db);
  assert.ok(status.keks.some((k) => k.id === oldKek && k.state === 'retired'));
  assert.ok(!JSON.stringify(status).includes('wrapped'));
});
