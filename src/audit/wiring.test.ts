import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient, staffClient } from '../../test/sessions.ts';
import { verifyAudit } from './verify.ts';

// The audit trail is wired into the running store: staff requests, sign-ins and unmasked views leave entries.
let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

const actions = async () => (await store.ctx.db.selectFrom('audit_entry').select(['action', 'result', 'object_type']).orderBy('seq').execute()).map((r) => `${r.action}:${r.result}`);

test('a failed staff sign-in, a refused admin request, an unmasked customer view and a settings change are recorded', async () => {
  const anonymous = new TestClient(store.url);
  const failed = await anonymous.postForm('/admin/sign-in', { email: 'nobody@example.jp', password: 'not the right password' });
  assert.equal(failed.status, 401);

  const { client: support } = await staffClient(store, 'customer_support');
  assert.equal((await support.postForm('/admin/settings', {})).status, 403);

  const { customerId } = await customerClient(store);
  const { client: owner } = await staffClient(store, 'owner');
  // Masked by default (issue 5): the unmasked view is the explicit reveal.
  assert.equal((await owner.postForm(`/admin/customers/${customerId}/reveal`, {})).status, 200);
  const settings = await store.services.shop.get();
  const saved = await owner.postForm('/admin/settings', { ...settings, free_shipping_threshold: '', invoice_number: settings.invoice_number ?? '', bank_transfer_days: String(settings.bank_transfer_days) } as never);
  assert.equal(saved.status, 303);

  // Request entries are written in onResponse, just after the response: wait for the last one.
  let recorded = await actions();
  for (let i = 0; i < 100 && !recorded.some((a) => a.startsWith('admin.request:success')); i++) {
    await new Promise((r) => setTimeout(r, 20));
    recorded = await actions();
  }
  assert.ok(recorded.includes('staff.sign_in_failed:failed'), recorded.join(', '));
  assert.ok(recorded.some((a) => a.startsWith('admin.request:denied')), recorded.join(', '));
  assert.ok(recorded.includes('personal_data.view_unmasked:success'), recorded.join(', '));
  assert.ok(recorded.some((a) => a.startsWith('admin.request:success')), recorded.join(', '));
  const result = await verifyAudit(store.ctx.db, store.ctx.config);
  assert.equal(result.ok, true, JSON.stringify(result.findings));
  // Entries only grow (a late onResponse entry may land meanwhile): the verify covered every one up to its moment.
  const afterVerify = (await actions()).length;
  assert.ok(result.entries >= recorded.length && result.entries <= afterVerify, `${result.entries} of ${recorded.length}..${afterVerify}`);
});
