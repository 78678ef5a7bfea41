import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { allMails } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { runAlerts } from './cli.ts';
import { raiseAlert } from './raise.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

const backdate = (id: number, minutes: number) => store.ctx.db.updateTable('alert').set({ last_notified_at: new Date(Date.now() - minutes * 60_000) }).where('id', '=', id).execute();

test('an open alert is mailed again after its window (critical: 30 min), not once for ever; low alerts are not repeated', async () => {
  await staffClient(store, 'owner');
  const first = await raiseAlert(store.ctx.db, { kind: 'page_watch', severity: 'critical', title: '決済ページを検証できません', fingerprint: 'page-watch:error' });
  await raiseAlert(store.ctx.db, { kind: 'page_watch', severity: 'critical', title: '決済ページを検証できません', fingerprint: 'page-watch:error' });
  assert.equal((await allMails(store, 'security_alert')).length, 1, 'a repeat within the window is counted, not mailed');
  await backdate(first.id, 31);
  await raiseAlert(store.ctx.db, { kind: 'page_watch', severity: 'critical', title: '決済ページを検証できません', fingerprint: 'page-watch:error' });
  const mails = await allMails(store, 'security_alert');
  assert.equal(mails.length, 2);
  assert.match(mails[1]!.subject, /CRITICAL \(2\)/);
  assert.match(mails[1]!.text_body, new RegExp(`/admin/security/alerts/${first.id}`));
  const low = await raiseAlert(store.ctx.db, { kind: 'test', severity: 'low', title: 'low one' });
  await backdate(low.id, 10_000);
  await raiseAlert(store.ctx.db, { kind: 'test', severity: 'low', title: 'low one' });
  assert.equal((await allMails(store, 'security_alert')).length, 3);
});

test('the alerts page lists, filters and shows an alert; acknowledging needs a note, is audited, and a new occurrence opens a new alert', async () => {
  const { client } = await staffClient(store, 'owner');
  const { id } = await raiseAlert(store.ctx.db, { kind: 'backup_failed', severity: 'high', title: '定期バックアップに失敗しました', detail: { reason: 'disk full' } });
  const list = await client.get('/admin/security/alerts');
  assert.equal(list.status, 200);
  assert.match(list.text, /定期バックアップに失敗しました/);
  assert.doesNotMatch((await client.get('/admin/security/alerts?severity=low')).text, /定期バックアップ/);
  const detail = await client.get(`/admin/security/alerts/${id}`);
  assert.match(detail.text, /disk full/);
  assert.equal((await client.postForm(`/admin/security/alerts/${id}/acknowledge`, { note: '' })).status, 422);
  const ack = await client.postForm(`/admin/security/alerts/${id}/acknowledge`, { note: 'ディスクを増設しました' });
  assert.equal(ack.status, 303);
  const after = await client.get(`/admin/security/alerts/${id}?done=1`);
  assert.match(after.text, /ディスクを増設しました/);
  assert.doesNotMatch((await client.get('/admin/security/alerts')).text, /定期バックアップ/, 'open alerts only by default');
  assert.match((await client.get('/admin/security/alerts?status=acknowledged')).text, /定期バックアップ/);
  const audit = await store.ctx.db.selectFrom('audit_entry').select(['action']).where('action', '=', 'alert.acknowledge').execute();
  assert.equal(audit.length, 1);
  const again = await raiseAlert(store.ctx.db, { kind: 'backup_failed', severity: 'high', title: '定期バックアップに失敗しました' });
  assert.equal(again.isNew, true);
  const { client: editor } = await staffClient(store, 'content_editor');
  assert.equal((await editor.get('/admin/security/alerts')).status, 403);
});

test('omamori alerts list|ack [--json]', async () => {
  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(`ERR ${s}`) };
  const { id } = await raiseAlert(store.ctx.db, { kind: 'integrity', severity: 'critical', title: 'file changed' });
  assert.equal(await runAlerts(['list', '--json'], store.ctx.db, out), 0);
  const open = JSON.parse(lines.pop()!) as Array<{ id: number; kind: string; severity: string; createdAt: string; acknowledgedAt: string | null }>;
  assert.deepEqual(Object.keys(open[0]!).slice(0, 3), ['id', 'kind', 'severity']);
  assert.equal(open[0]!.id, id, 'critical first');
  assert.equal(open[0]!.acknowledgedAt, null);
  assert.equal(await runAlerts(['ack', String(id)], store.ctx.db, out), 2, 'a note is required');
  assert.equal(await runAlerts(['ack', String(id), '--note', 'restored from the signed build'], store.ctx.db, out), 0);
  assert.equal(await runAlerts(['list', '--all'], store.ctx.db, out), 0);
  assert.match(lines.pop()!, /id\s+severity\s+kind/);
});
