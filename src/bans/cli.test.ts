import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase, testDbKind } from '../../test/harness.ts';

test('omamori bans add|list|remove and omamori security events work against the store database (--json and tables)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-bans-cli-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  try {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', REDIS_URL: '', LOG_LEVEL: 'silent' };
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/omamori.js', ...args], { env, encoding: 'utf8' });
    const added = run('bans', 'add', '203.0.113.50', '--reason', 'manual test', '--json');
    assert.equal(added.status, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { value: string }).value, '203.0.113.50');
    const list = run('bans', 'list', '--json');
    assert.equal(list.status, 0, list.stderr);
    const bans = JSON.parse(list.stdout) as Array<{ scope: string; value: string; reason: string; until: string }>;
    assert.deepEqual(bans.map((b) => [b.scope, b.value, b.reason]), [['ip', '203.0.113.50', 'manual test']]);
    assert.match(run('bans', 'list').stdout, /203\.0\.113\.50\s+manual test/);
    const events = run('security', 'events', '--since', '1h', '--kind', 'ban.*', '--json');
    assert.equal(events.status, 0, events.stderr);
    assert.deepEqual((JSON.parse(events.stdout) as Array<{ kind: string }>).map((e) => e.kind), ['ban.added']);
    assert.equal(run('bans', 'remove', '203.0.113.50').status, 0);
    assert.match(run('bans', 'list').stdout, /no active bans/);
    assert.equal(run('bans', 'add', 'not-an-address').status, 2);
  } finally {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
