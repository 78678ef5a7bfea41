import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot } from '../platform/paths.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { integrityConfig } from '../integrity/config.ts';
import { createBaseline } from '../integrity/files/manifest.ts';
import { drillReportHtml } from './report.ts';
import { runDrills, targetAllowed } from './runner.ts';
import { createDrillToken } from './tokens.ts';
import { drillLabel } from './api-routes.ts';
import { allMails } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';

test('a drill refuses any target but loopback or a listed host', () => {
  assert.ok(targetAllowed('http://127.0.0.1:3000/'));
  assert.ok(targetAllowed('http://localhost:3000/'));
  assert.ok(targetAllowed('http://[::1]:3000/'));
  assert.ok(!targetAllowed('https://shop.example/'));
  assert.ok(targetAllowed('https://staging.example/', ['staging.example']));
  assert.ok(!targetAllowed('file:///etc/passwd'));
  assert.ok(!targetAllowed('http://127.0.0.1.evil.example/'));
});

/** `omamori drill all` against a fresh store (on a copy of the code tree, never the repository itself). */
const work = mkdtempSync(join(tmpdir(), 'omamori-drills-'));
const tree = join(work, 'tree');
const data = join(work, 'data');
let store: TestStore;

before(async () => {
  for (const p of ['src', 'static', 'package.json']) cpSync(join(projectRoot, p), join(tree, p), { recursive: true });
  process.env.INTEGRITY_ROOT = tree;
  process.env.INTEGRITY_PATHS = 'src,static,package.json';
  process.env.INTEGRITY_INTERVAL_SECONDS = '2';
  await createBaseline(integrityConfig({ dataDir: data }));
  store = await startTestStore({ seed: true, config: { dataDir: data } });
});
after(async () => {
  await store?.close();
  delete process.env.INTEGRITY_ROOT;
  delete process.env.INTEGRITY_PATHS;
  delete process.env.INTEGRITY_INTERVAL_SECONDS;
  rmSync(work, { recursive: true, force: true });
});

test('drill all: every step stopped or caught within 60 s; alerts labelled as drills and closed; card checkout back on; the tree clean', async () => {
  const t0 = Date.now();
  while (!store.services.integrity.cardCheckoutAllowed().allowed && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, true, 'a clean start');

  await assert.rejects(runDrills(['T2'], { target: store.url, token: 'omd_wrong', dataDir: data }), /token was refused/);
  // An owner creates the drill token in the console (step-up; shown once).
  const { client: owner } = await staffClient(store, 'owner');
  const made = await owner.postForm('/admin/security/drills/token', {});
  assert.equal(made.status, 200);
  const token = /<code>(omd_[A-Za-z0-9_-]+)<\/code>/.exec(made.text)?.[1];
  assert.ok(token, 'token shown');
  void createDrillToken;
  const lines: string[] = [];
  const report = await runDrills(['T1', 'T2', 'T3', 'T4', 'T5', 'T6'], { target: store.url, token, dataDir: data, log: (l) => lines.push(l) });
  console.log(lines.join('\n'));
  const steps = report.drills.flatMap((d) => d.steps);
  assert.ok(steps.length >= 15, `${steps.length} steps`);
  assert.deepEqual(steps.filter((s) => s.result === 'missed'), []);
  const byName = (n: string) => steps.find((s) => s.name === n)?.result;
  assert.equal(byName('personal-data-from-database-copy'), 'stopped', 'T1: the name and e-mail address are not in a database copy');
  assert.equal(byName('listening-port-planted'), 'caught', 'T3: the planted listener is listed');
  assert.equal(byName('stored-card-number-in-file'), 'caught', "T5: found, with the run's own alert");
  const t5 = await store.ctx.db.selectFrom('alert').select(['fingerprint', 'title']).where('kind', '=', 'pan_found').execute();
  assert.ok(t5.length >= 1 && t5.every((a) => /^pan_found:omamori-drill-[0-9a-f]{24}$/.test(a.fingerprint) && a.title.startsWith(drillLabel)), JSON.stringify(t5));
  // T1: the database-copy search is no oracle: only values carrying the run's nonce are searched.
  const runNow = await fetch(new URL('/api/drill/runs', store.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  const fresh = (await runNow.json()) as { runId: number };
  const probe = await fetch(new URL(`/api/drill/runs/${fresh.runId}/db-copy`, store.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ needles: ['@example.com'] }) });
  assert.equal(probe.status, 422);
  // (the target is 60 s per catch; the drill itself counts a later catch as missed)

  // The drill's alerts are labelled and closed; none stays open.
  const open = await store.ctx.db.selectFrom('alert').select(['title', 'kind']).where('resolved_at', 'is', null).execute();
  assert.deepEqual(open.filter((a) => !a.title.startsWith(drillLabel) && ['integrity', 'malware', 'pan_found'].includes(a.kind)), []);
  const labelled = await store.ctx.db.selectFrom('alert').select('title').where('title', 'like', `${drillLabel}%`).execute();
  assert.ok(labelled.length >= 5, `${labelled.length} alerts labelled`);
  // Cleaned up: no drill file left, card checkout back on.
  assert.deepEqual(readdirSync(join(tree, 'static')).filter((n) => n.startsWith('omamori-drill')), []);
  assert.ok(!existsSync(join(tree, 'static', 'js')) || readdirSync(join(tree, 'static', 'js')).every((n) => !n.startsWith('omamori-drill')));
  const t1 = Date.now();
  while (!store.services.integrity.cardCheckoutAllowed().allowed && Date.now() - t1 < 30_000) {
    await store.services.integrity.verifyNow({ full: true });
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(store.services.integrity.cardCheckoutAllowed().allowed, true, JSON.stringify(store.services.integrity.cardCheckoutAllowed()));
  const run = await store.ctx.db.selectNoFrom((eb) => eb.val(1).as('x')).execute();
  assert.ok(run);
  // Mails about what the drill planted say so in the subject (labelled when raised, not only when closed).
  const mails = (await allMails(store, 'security_alert')).filter((m) => m.subject.includes('omamori-drill-'));
  assert.ok(mails.length >= 4, `${mails.length} drill mails`);
  for (const m of mails) assert.ok(m.subject.includes(drillLabel), m.subject);
  assert.match((await owner.get('/admin/security/drills')).text, new RegExp(`data-run="${report.runId}"`));
  assert.match((await owner.get('/admin/security/drills')).text, /見逃しが 1 件でもあれば/);
  assert.match((await owner.get('/admin/security/drills?lang=en')).text, /If anything was missed[\s\S]*Recent drills/);
  const html = drillReportHtml(report);
  assert.match(html, /data-result="caught"/);
  assert.doesNotMatch(html, /<script/);
});
