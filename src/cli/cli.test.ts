import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase, testDbKind } from '../../test/harness.ts';

test('omamori setup-link prints a one-time link while no staff exists; unknown commands fail', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-cli-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  try {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', PUBLIC_URL: 'https://shop.example.jp' };
    const ok = spawnSync(process.execPath, ['bin/omamori.js', 'setup-link'], { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^https:\/\/shop\.example\.jp\/admin\/setup\?token=[A-Za-z0-9_-]{43}\n$/);
    const bad = spawnSync(process.execPath, ['bin/omamori.js', 'no-such-command'], { env, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command/);
  } finally {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
