import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase, testDbKind } from '../../test/harness.ts';
import { controlSocketDir } from '../platform/db/pglite-control-socket.ts';

// The security commands work against a RUNNING store, on the embedded database (through the store's control socket)
// as on PostgreSQL, while the store serves requests; a ban added by the command is enforced by the running store.

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/omamori.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

async function startProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`store did not start:\n${out}`));
    }, 90_000);
    child.stdout!.on('data', () => {
      const m = /Storefront:\s+(http:\/\/\S+?)\/\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`store exited at start:\n${out}`));
    });
  });
  return { child, url, exited, output: () => out };
}

test(`omamori bans/alerts/security events against a running store on ${testDbKind}: the store enforces the command's ban at once`, { timeout: 480_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-running-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', SEED_DEMO: '1', LOG_LEVEL: 'warn', SMTP_URL: '', REDIS_URL: '', TRUST_PROXY: '1' };
  let child: ChildProcess | undefined;
  try {
    const store = await startProcess(env);
    child = store.child;
    if (!pg) {
      // T3/T4: the control socket is the host user's alone.
      assert.equal(statSync(controlSocketDir(dataDir)).mode & 0o777, 0o700);
      assert.equal(statSync(join(controlSocketDir(dataDir), '.s.PGSQL.5432')).mode & 0o777, 0o600);
    }
    // On a loaded machine the server sometimes closes a kept-alive connection just as it is reused ("fetch failed"):
    // sent again once, as a browser does.
    const shopper = (ip: string) => {
      const send = () => fetch(`${store.url}/`, { headers: { 'x-forwarded-for': ip } });
      return send().catch((err: Error) => (err.message === 'fetch failed' ? send() : Promise.reject(err)));
    };
    assert.equal((await shopper('203.0.113.77')).status, 200);

    // The store keeps serving requests while the commands run.
    let serving = true;
    let served = 0;
    const traffic: Promise<void> = (async () => {
      while (serving) {
        const r = await shopper('198.51.100.9');
        await r.arrayBuffer();
        assert.equal(r.status, 200);
        served++;
      }
    })();

    traffic.catch(() => {}); // reported where it is awaited, not as an unhandled rejection in between
    const added = await run(['bans', 'add', '203.0.113.77', '--reason', 'running store test', '--json'], env);
    assert.equal(added.status, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { value: string }).value, '203.0.113.77');
    const list = await run(['bans', 'list', '--json'], env);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ scope: string; value: string; reason: string }>).map((b) => [b.scope, b.value, b.reason]), [['ip', '203.0.113.77', 'running store test']]);
    const alerts = await run(['alerts', 'list', '--json'], env);
    assert.equal(alerts.status, 0, alerts.stderr);
    assert.ok(Array.isArray(JSON.parse(alerts.stdout)));
    const events = await run(['security', 'events', '--since', '1h', '--kind', 'ban.*', '--json'], env);
    assert.equal(events.status, 0, events.stderr);
    assert.deepEqual((JSON.parse(events.stdout) as Array<{ kind: string }>).map((e) => e.kind), ['ban.added']);

    // The running store refuses the banned address (its ban cache heard of the change), and only it.
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await shopper('203.0.113.77')).status) !== 403) await new Promise((r) => setTimeout(r, 100));
    assert.equal(status, 403, 'the running store enforces the ban the command added');
    serving = false;
    await traffic;
    assert.ok(served > 0);

    assert.equal((await run(['bans', 'remove', '203.0.113.77'], env)).status, 0);
    const lifted = Date.now() + 30_000;
    while (Date.now() < lifted && (status = (await shopper('203.0.113.77')).status) !== 200) await new Promise((r) => setTimeout(r, 100));
    assert.equal(status, 200);

    if (!pg) {
      // A second store on the same data directory refuses to start instead of corrupting it.
      const again = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      again.stderr!.on('data', (d) => (out += d));
      again.stdout!.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => again.once('exit', resolve));
      assert.equal(code, 1);
      assert.match(out, /held by the running store \(process \d+\)/);
    }
    child.kill('SIGTERM');
    assert.equal(await store.exited, 0, store.output());
    child = undefined;
    if (!pg) {
      // With no store running, the command opens the data directory itself, as before.
      const direct = await run(['bans', 'list', '--json'], env);
      assert.equal(direct.status, 0, direct.stderr);
      assert.deepEqual(JSON.parse(direct.stdout), []);
    }
  } finally {
    child?.kill('SIGKILL');
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
