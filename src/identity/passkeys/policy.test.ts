import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { signInStaff, staffClient } from '../../../test/sessions.ts';
import { setStaffPasskeysRequired, staffPasskeyCounts } from './policy.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(async () => {
  await store?.close();
});

test('passkeys required: a code still signs in; without a passkey it leads to adding one, with one it raises a security event', async () => {
  const { db } = store.ctx;
  const password = 'policy passphrase 12345';
  const withKey = await staffClient(store, 'order_operator', { password });
  const without = await staffClient(store, 'customer_support', { password });
  // A registered credential as stored (the ceremony itself is proven in Chromium: staff-passkeys.browser.test.ts).
  await db.insertInto('passkey').values({ staff_id: withKey.staffId, credential_id: 'test-credential-id', public_key: 'not-a-key', name: 'key' }).execute();
  await setStaffPasskeysRequired(db, true, null);
  const counts = await staffPasskeyCounts(db);
  assert.ok(counts.n >= 1 && counts.all >= 2);

  const a = await signInStaff(store, new TestClient(store.url), withKey.email, password, { secret: withKey.totpSecret });
  assert.equal(a.response.status, 303);
  assert.equal(a.response.location, '/admin');
  const b = await signInStaff(store, new TestClient(store.url), without.email, password, { secret: without.totpSecret });
  assert.equal(b.response.location, '/admin/passkeys', 'sent to add a passkey');

  const raised = await db.selectFrom('staff_security_event').select(['target_staff_id', 'detail']).where('action', '=', 'passkey_fallback').execute();
  assert.deepEqual(raised.map((r) => r.target_staff_id), [withKey.staffId]);
  assert.deepEqual(JSON.parse(raised[0]!.detail), { via: 'totp', step: 'sign_in' });

  await setStaffPasskeysRequired(db, false, null);
});
