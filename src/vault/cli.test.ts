import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createTestDatabase, testDbKind } from '../../test/harness.ts';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { keyIdOf } from './envelope.ts';
import { openVault } from './open.ts';

const cli = path.resolve(import.meta.dirname, '../cli/main.ts');

test('omamori keys status / rotate --dek / rotate --kek on a store data directory', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omamori-keys-cli-'));
  const created = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: created?.url ?? '', LOG_LEVEL: 'silent', OMAMORI_MASTER_KEY: '', MASTER_KEY_PROVIDER: '' };
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, 'keys', ...args], { env, encoding: 'utf8' });
  // Opens the database in this process between CLI runs (the embedded database admits one process at a time).
  const withVault = async <T>(fn: (v: Awaited<ReturnType<typeof openVault>>, db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> => {
    const config = loadConfig(env);
    const handle = await openDatabase(config);
    const vault = await openVault(config, handle);
    try {
      return await fn(vault, handle.db);
    } finally {
      await vault.close();
      await handle.close();
    }
  };
  try {
    const status = run('status');
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /master key provider: file, current mk-[0-9a-f]{16}/);
    assert.equal(statSync(path.join(dataDir, 'keys', 'master.key')).mode & 0o777, 0o600);

    await withVault(async (vault, db) => {
      await sql`create table cli_secret (id int primary key, secret text)`.execute(db);
      for (let i = 1; i <= 25; i++) await sql`insert into cli_secret values (${i}, ${await vault.encrypt({ table: 'cli_secret', column: 'secret', rowId: i }, `secret number ${i}`)})`.execute(db);
    });
    const rotated = run('rotate', '--dek', 'cli_secret', '--columns', 'secret', '--batch', '10');
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /cli_secret: 25 rows re-encrypted in 3 batches/);
    const kek = run('rotate', '--kek');
    assert.equal(kek.status, 0, kek.stderr);
    assert.match(kek.stdout, /re-wrapped; retired mk-/);
    await withVault(async (vault, db) => {
      const rows = (await sql<{ id: number; secret: string }>`select id, secret from cli_secret order by id`.execute(db)).rows;
      assert.equal(new Set(rows.map((r) => keyIdOf(r.secret))).size, 1);
      for (const r of rows) assert.equal(await vault.decrypt({ table: 'cli_secret', column: 'secret', rowId: r.id }, r.secret), `secret number ${r.id}`);
    });
    const after = run('status');
    assert.match(after.stdout, /cli_secret v1 data retired/);
    assert.match(after.stdout, /cli_secret v2 data active/);
    assert.equal(run('rotate').status, 2);
  } finally {
    await created?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
