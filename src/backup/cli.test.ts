import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { createTestDatabase, startTestStore, testDbKind } from '../../test/harness.ts';
import { verifyBackup } from './verify.ts';
import { lockFile } from '../platform/db/data-dir-lock.ts';

/** Runs the real command line (bin/omamori.js) without blocking the event loop. */
function omamori(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/omamori.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test(`omamori backup create / verify / restore from the command line on ${testDbKind}`, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omamori-backup-cli-'));
  const out = path.join(dataDir, 'off-host');
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  try {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', LOG_LEVEL: 'silent' };
    const created = await omamori(['backup', 'create', '--out', out, '--keep', '1'], env);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^ {2}database .* MiB/m);
    assert.match(created.stdout, /backup [0-9a-f]{16} written to .*omamori-backup-\d{8}T\d{6}Z-[0-9a-f]{16} in \d+ ms/);
    const again = await omamori(['backup', 'create', '--out', out, '--keep', '1'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /removed old backup omamori-backup-/);
    assert.equal(readdirSync(out).length, 1, '--keep 1 keeps the newest only');

    const verified = await omamori(['backup', 'verify', out], env);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /5 parts: intact/);

    // The source database is not empty: restore refuses and changes nothing.
    const refused = await omamori(['backup', 'restore', out], env);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /not empty|already holds a database/);
    assert.equal((await omamori(['backup'], env)).status, 2);

    if (testDbKind === 'pglite') {
      // PGlite admits one process: a running store (its DATA_DIR/omamori.lock, here a live stand-in process) makes the
      // command refuse rather than corrupt; a lock left by a process that is gone does not.
      const standIn = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        writeFileSync(lockFile(dataDir), JSON.stringify({ pid: standIn.pid, role: 'store' }));
        const busy = await omamori(['backup', 'create', '--out', out], env);
        assert.equal(busy.status, 1);
        assert.match(busy.stderr, /running store \(process \d+\) holds the embedded database/);
      } finally {
        standIn.kill();
      }
      await once(standIn, 'exit');
      const stale = await omamori(['backup', 'create', '--out', out, '--keep', '1'], env);
      assert.equal(stale.status, 0, stale.stderr);
    }
  } finally {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test(`scheduled backups on ${testDbKind}: taken through the running store, the newest BACKUP_KEEP kept`, async () => {
  const store = await startTestStore({ listen: false, config: { backupIntervalHours: 24, backupKeep: 1 } });
  try {
    for (let i = 0; i < 2; i++) {
      await store.ctx.scheduler.runNow('backup');
      await new Promise((r) => setTimeout(r, 1100)); // backup names carry the second
    }
    const dir = store.ctx.config.backupDir;
    const names = readdirSync(dir).sort();
    assert.equal(names.length, 1, names.join());
    const r = await verifyBackup(path.join(dir, names[0]!), store.ctx.vault.provider);
    assert.deepEqual(r.findings, []);
    assert.ok(!existsSync(path.join(dir, `${names[0]}.partial`)));
    const entries = await store.ctx.db.selectFrom('audit_entry').select('result').where('action', '=', 'backup.create').execute();
    assert.deepEqual(entries.map((e) => e.result), ['success', 'success']);
  } finally {
    await store.close();
  }
});
