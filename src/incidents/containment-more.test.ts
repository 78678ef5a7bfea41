import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient, staffClient } from '../../test/sessions.ts';
import { encryptedTables } from '../app/encrypted-tables.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ config: { vaultKeyRefreshMs: 50 } });
});
after(async () => {
  await store?.close();
});

test('from the incident page: a third-party script is taken off every page, and every encryption key is replaced, each a timestamped step', { timeout: 300_000 }, async () => {
  const { client: owner, staffId: ownerId } = await staffClient(store, 'owner');
  const { staffId: otherId } = await staffClient(store, 'owner');
  const declared = await owner.postForm('/admin/security/incidents', { title: '外部スクリプトの改ざん', kind: 'card_skimming', severity: 'critical' });
  const path = declared.location!;

  // An approved third-party script (four eyes: one owner adds, another approves) is on the catalogue pages.
  const scripts = store.services.scripts;
  const url = 'https://cdn.example.net/widget.js';
  assert.equal(await scripts.add({ id: ownerId, role: 'owner' }, { url, sha384: `sha384-${'A'.repeat(64)}`, pages: ['catalog'], owner: 'marketing', justification: 'reviews widget' }), 'added');
  const row = (await scripts.list()).find((x) => x.url === url)!;
  assert.equal(await scripts.approve({ id: otherId, role: 'owner' }, row.id), 'approved');
  assert.match((await fetch(`${store.url}/products`).then((r) => r.text())), /cdn\.example\.net\/widget\.js/);
  const page = await owner.get(path);
  assert.match(page.text, /外部のスクリプト/);
  assert.match(page.text, new RegExp(`<option value="${row.id}"`));

  assert.equal((await owner.postForm(`${path}/contain/disable_script`, { script_id: '' })).status, 422, 'a script must be chosen');
  assert.equal((await owner.postForm(`${path}/contain/disable_script`, { script_id: String(row.id) })).status, 303);
  assert.doesNotMatch((await fetch(`${store.url}/products`).then((r) => r.text())), /cdn\.example\.net/, 'gone from the pages');
  const audit = await store.ctx.db.selectFrom('audit_entry').select('action').where('action', 'in', ['incident.disable_script', 'script.remove']).execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['incident.disable_script', 'script.remove']);

  // Keys: the master key, then a new data key for every encrypted table (queued steps); the data stays readable.
  const { client: shopper } = await customerClient(store, { name: '鍵 太郎' });
  const before = await store.ctx.db.selectFrom('vault_key').select(['scope', 'id']).where('state', '=', 'active').execute();
  assert.equal((await owner.postForm(`${path}/contain/rotate_keys`, {})).status, 303);
  await store.drainJobs();
  const rotations = await store.ctx.db.selectFrom('vault_rotation').select(['kind', 'scope', 'status']).execute();
  assert.ok(rotations.some((r) => r.kind === 'kek' && r.status === 'done'));
  for (const t of encryptedTables) assert.ok(rotations.some((r) => r.kind === 'dek' && r.scope === t.table && r.status === 'done'), `${t.table} rotated`);
  const afterKeys = await store.ctx.db.selectFrom('vault_key').select(['scope', 'id']).where('state', '=', 'active').execute();
  for (const k of before.filter((b) => encryptedTables.some((t) => t.table === b.scope))) assert.notEqual(afterKeys.find((a) => a.scope === k.scope)?.id, k.id, `${k.scope} has a new key`);
  assert.match((await shopper.get('/account')).text, /鍵 太郎/, 'still readable');
  const shown = await owner.get(path);
  assert.match(shown.text, /data-action="disable_script"/);
  assert.match(shown.text, /このスクリプトを全ページから外す（origin: https:\/\/cdn\.example\.net）/);
  assert.match(shown.text, /data-action="rotate_keys"/);
  assert.match(shown.text, /data-action="rotate_keys_done"/);
  assert.match(shown.text, /暗号鍵の更新が完了/);

  // Step-up and the owner's permission are required.
  const { client: investigator } = await staffClient(store, 'incident');
  assert.equal((await investigator.postForm(`${path}/contain/rotate_keys`, {})).status, 403);
});
