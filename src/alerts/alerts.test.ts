import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { allMails } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { raiseAlert } from './raise.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false });
});
after(() => store.close());

test('an alert is recorded once per fingerprint while open, and every active owner is mailed once', async () => {
  await staffClient(store, 'owner');
  await staffClient(store, 'owner');
  await staffClient(store, 'content_editor');
  const first = await raiseAlert(store.ctx.db, { kind: 'test', severity: 'high', title: 'テスト警告', detail: { where: 'x' } });
  const again = await raiseAlert(store.ctx.db, { kind: 'test', severity: 'high', title: 'テスト警告' });
  assert.equal(first.isNew, true);
  assert.equal(again.isNew, false);
  assert.equal(again.id, first.id);
  const row = await store.ctx.db.selectFrom('alert').selectAll().executeTakeFirstOrThrow();
  assert.equal(row.occurrences, 2);
  const mails = await allMails(store, 'security_alert'); // stored encrypted (issue 5)
  assert.equal(mails.length, 2, 'one mail per owner, none to other roles, none for the repeat');
  assert.match(mails[0]!.subject, /HIGH: テスト警告/);
});

test('scheduled tasks run on demand and errors do not escape', async () => {
  let runs = 0;
  store.ctx.scheduler.every('test-task', 3600_000, async () => {
    runs += 1;
  });
  await store.ctx.scheduler.runNow('test-task');
  await store.ctx.scheduler.runNow('test-task');
  assert.equal(runs, 2);
});
