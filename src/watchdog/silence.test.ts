import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { querySecurityEvents } from '../security-events/store.ts';
import { runWatchdog } from './cli.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(async () => store?.close());

test('silence: a protection that has not run when due raises one alert (PCI DSS 10.7.2)', async () => {
  const ctx = store.ctx;
  const dog = store.services.watchdog;
  await ctx.scheduler.runNow('integrity-verify');
  await dog.settled();
  const beat = await ctx.db.selectFrom('heartbeat').selectAll().where('name', '=', 'integrity-verify').executeTakeFirstOrThrow();
  assert.ok(beat.last_ok_at, 'the run left a heartbeat');
  assert.deepEqual(await dog.checkNow(), [], 'nothing is overdue right after a run');

  // The file-integrity check stops (here: its last good run is made two hours old).
  await ctx.db.updateTable('heartbeat').set({ last_ok_at: new Date(Date.now() - 2 * 3600_000) }).where('name', '=', 'integrity-verify').execute();
  const overdue = await dog.checkNow();
  assert.deepEqual(overdue.map((o) => o.name), ['integrity-verify']);
  await dog.checkNow(); // a second check counts on the open alert, not a new one
  const alerts = await ctx.db.selectFrom('alert').selectAll().where('kind', '=', 'silence').execute();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.severity, 'high');
  assert.match(alerts[0]!.title, /integrity-verify/);
  assert.equal(alerts[0]!.occurrences, 2);
  await store.services.securityEvents.flush();
  const events = await querySecurityEvents(ctx.db, { kind: 'watchdog.silence', unmasked: true });
  assert.ok(events.length >= 1);
  assert.equal(events[0]!.detail.task, 'integrity-verify');

  // It runs again: no longer overdue.
  await ctx.scheduler.runNow('integrity-verify');
  await dog.settled();
  assert.deepEqual(await dog.checkNow(), []);
});

test('silence: the card-number scan is judged by its own run records', async () => {
  const ctx = store.ctx;
  const dog = store.services.watchdog;
  const day = 24 * 3600_000;
  // A scan finished three days ago (the default interval is 24 h): overdue.
  await ctx.db.insertInto('pan_scan_run').values({ trigger: 'schedule', status: 'clean', started_at: new Date(Date.now() - 3 * day), finished_at: new Date(Date.now() - 3 * day) }).execute();
  const names = (await dog.checkNow(new Date())).map((o) => o.name);
  assert.ok(names.includes('pan-scan'), names.join(','));
  await ctx.db.insertInto('pan_scan_run').values({ trigger: 'schedule', status: 'clean', started_at: new Date(), finished_at: new Date() }).execute();
  assert.ok(!(await dog.checkNow()).some((o) => o.name === 'pan-scan'));
});

test('omamori watchdog heartbeats: a table and --json', async () => {
  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
  assert.equal(await runWatchdog(['heartbeats', '--json'], store.ctx.db, out), 0);
  const beats = JSON.parse(lines.pop()!) as Array<{ name: string; lastOkAt: string | null; late: boolean }>;
  const integrity = beats.find((b) => b.name === 'integrity-verify');
  assert.ok(integrity?.lastOkAt);
  assert.equal(integrity.late, false);
  assert.equal(await runWatchdog(['heartbeats'], store.ctx.db, out), 0);
  assert.match(lines.pop()!, /integrity-verify/);
  assert.equal(await runWatchdog(['nonsense'], store.ctx.db, out), 2);
});
