import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { staffClient } from '../../../test/sessions.ts';
import { hashPassword } from '../passwords.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

test('staff sign-in is throttled (password and TOTP steps): locked → 429 with Retry-After; an owner can unlock', async () => {
  const password = 'the right passphrase';
  const email = 'locked@example.jp';
  const { id } = await store.ctx.db.insertInto('staff').values({ name: 'L', email, role: 'order_operator', password_hash: await hashPassword(password) }).returning('id').executeTakeFirstOrThrow();
  let locked: Awaited<ReturnType<TestClient['postForm']>> | undefined;
  for (let i = 0; i < 20 && !locked; i++) {
    const res = await new TestClient(store.url).postForm('/admin/sign-in', { email, password: `wrong password ${i}` });
    if (res.status === 429) locked = res;
    else assert.equal(res.status, 401);
  }
  assert.ok(locked, 'repeated failures lock the account');
  assert.match(locked.headers.get('retry-after') ?? '', /^\d+$/);
  const right = await new TestClient(store.url).postForm('/admin/sign-in', { email, password });
  assert.equal(right.status, 429, 'even the right password waits while locked');

  const { client: owner } = await staffClient(store, 'owner');
  const staffPage = await owner.get('/admin/staff');
  assert.match(staffPage.text, new RegExp(`action="/admin/staff/${id}/unlock"`), 'the owner sees an unlock button');
  assert.match(staffPage.text, /ログインがロック中/);
  assert.equal((await owner.postForm(`/admin/staff/${id}/unlock`, {})).location, '/admin/staff?done=unlocked');
  assert.equal((await new TestClient(store.url).postForm('/admin/sign-in', { email, password })).status, 303);
  assert.doesNotMatch((await owner.get('/admin/staff')).text, new RegExp(`action="/admin/staff/${id}/unlock"`), 'no button once unlocked');
  const event = await store.ctx.db.selectFrom('staff_security_event').select('action').where('target_staff_id', '=', id).execute();
  assert.deepEqual(event.map((e) => e.action), ['sign_in_unlocked']);
});
