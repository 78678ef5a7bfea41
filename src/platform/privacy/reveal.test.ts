import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { staffClient } from '../../../test/sessions.ts';
import { insertAddressRecord, insertCustomerRecord } from '../../identity/customers/customer-data.ts';
import type { StaffRole } from '../../identity/tables.ts';
import { draftFor, makeVariant } from '../../orders/test-fixtures.ts';
import { queueMail } from '../mail/mailer.ts';

// Issue 5, "masked by default" (T4): every admin page shows personal data masked, for every role; one record is
// revealed only by an explicit, permission-checked, CSRF-checked POST, which is recorded before it is shown.
let store: TestStore;
let customerId: number;
let orderId: number;
let mailId: number;
const full = ['tarou.yamada@example.jp', '鈴木 一郎', 'スズキ イチロウ', '09011112222', '090-1111-2222', '神宮前1-2-3', 'おまもりビル', '0312345678', '03-1234-5678', 'order.buyer@example.jp', '山田 花子'];
const leaks = (text: string) => full.filter((v) => text.includes(v));

before(async () => {
  store = await startTestStore();
  customerId = await insertCustomerRecord(store.ctx, { email: 'tarou.yamada@example.jp', name: '鈴木 一郎', name_kana: 'スズキ イチロウ', phone: '09011112222', password_hash: 'x' });
  await insertAddressRecord(store.ctx, customerId, { name: '鈴木 一郎', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: 'おまもりビル', phone: '0312345678', is_default: true });
  const v = await makeVariant(store, { stock: 50 });
  const order = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'order.buyer@example.jp', customerId, accessTokenHash: null, note: '午前中希望' }));
  orderId = order.id;
  await store.ctx.db.transaction().execute((trx) => queueMail(trx, { kind: 'test.notice', to: 'tarou.yamada@example.jp', subject: 'ご注文ありがとうございます', text: '鈴木 一郎 様\n神宮前1-2-3 おまもりビル' }));
  mailId = (await store.ctx.db.selectFrom('mail_outbox').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
});
after(() => store.close());

const reveals = async () =>
  store.ctx.db.selectFrom('audit_entry').select(['actor_id', 'actor_role', 'object_type', 'object_id', 'detail', 'at', 'result']).where('action', '=', 'personal_data.view_unmasked').orderBy('seq').execute();

test('every role sees customers, orders and mail masked by default, and no GET records a reveal', async () => {
  const pages = ['/admin/customers', `/admin/customers/${customerId}`, '/admin/orders', `/admin/orders/${orderId}`, '/admin/mail', `/admin/mail/${mailId}`];
  let seen = 0;
  for (const role of ['owner', 'administrator', 'order_operator', 'customer_support', 'content_editor'] as StaffRole[]) {
    const { client } = await staffClient(store, role);
    for (const path of pages) {
      const res = await client.get(path);
      if (res.status === 403) continue;
      assert.equal(res.status, 200, `${role} ${path}`);
      assert.deepEqual(leaks(res.text), [], `${role} ${path} shows nothing in full`);
      seen++;
    }
    if (role === 'content_editor') continue; // no page with personal data at all
    const detail = await client.get(`/admin/customers/${customerId}`);
    assert.match(detail.text, /鈴木 \*/);
    assert.match(detail.text, /t\*\*\*@example\.jp/);
    assert.match(detail.text, /090-\*\*\*\*-2222/);
    assert.match(detail.text, /東京都渋谷区\*\*\*/);
    const order = await client.get(`/admin/orders/${orderId}`);
    assert.match(order.text, /o\*\*\*@example\.jp/);
    assert.match(order.text, /山田 \*/);
  }
  assert.ok(seen >= 18, `checked ${seen} pages`);
  assert.equal((await reveals()).length, 0);
});

test('an owner reveals one customer with a POST: shown in that response only, recorded with who, what and when', async () => {
  const { client, staffId } = await staffClient(store, 'owner');
  const page = await client.get(`/admin/customers/${customerId}`);
  assert.match(page.text, new RegExp(`<form method="post" action="/admin/customers/${customerId}/reveal"`));
  const before = Date.now();
  const shown = await client.postForm(`/admin/customers/${customerId}/reveal`, {});
  assert.equal(shown.status, 200);
  for (const v of ['tarou.yamada@example.jp', '鈴木 一郎', 'スズキ イチロウ', '090-1111-2222', '神宮前1-2-3', 'おまもりビル', '03-1234-5678']) assert.ok(shown.text.includes(v), v);
  assert.match(shown.text, /data-revealed="true"/);
  const [entry] = await reveals();
  assert.ok(entry);
  assert.equal(entry.actor_id, staffId);
  assert.equal(entry.actor_role, 'owner');
  assert.equal(entry.object_type, 'customer');
  assert.equal(entry.object_id, String(customerId));
  assert.equal(entry.result, 'success');
  assert.deepEqual(JSON.parse(entry.detail).fields, ['name', 'name_kana', 'email', 'phone', 'addresses']);
  assert.ok(entry.at.getTime() >= before - 1000 && entry.at.getTime() <= Date.now() + 1000);
  assert.deepEqual(leaks((await client.get(`/admin/customers/${customerId}`)).text), [], 'masked again on the next GET');

  // CSRF: a reveal posted from another origin is refused and records nothing.
  const forged = await client.postForm(`/admin/customers/${customerId}/reveal`, {}, { origin: 'https://evil.example' });
  assert.equal(forged.status, 403);
  assert.equal((await reveals()).length, 1);
});

test('an administrator reveals an order and a mail; each is recorded', async () => {
  const { client, staffId } = await staffClient(store, 'administrator');
  const order = await client.postForm(`/admin/orders/${orderId}/reveal`, {});
  assert.equal(order.status, 200);
  for (const v of ['order.buyer@example.jp', '山田 花子', '03-1234-5678', 'おまもりビル 4F', '午前中希望']) assert.ok(order.text.includes(v), v);
  const mail = await client.postForm(`/admin/mail/${mailId}/reveal`, {});
  assert.equal(mail.status, 200);
  assert.ok(mail.text.includes('tarou.yamada@example.jp') && mail.text.includes('神宮前1-2-3 おまもりビル'));
  const mine = (await reveals()).filter((r) => r.actor_id === staffId);
  assert.deepEqual(mine.map((r) => `${r.object_type}:${r.object_id}`), [`order:${orderId}`, `mail:${mailId}`]);
});

test('customer support can never reveal; an order operator prints the packing slip, which is recorded as a reveal', async () => {
  const count = (await reveals()).length;
  const { client: support } = await staffClient(store, 'customer_support');
  for (const path of [`/admin/customers/${customerId}/reveal`, `/admin/orders/${orderId}/reveal`, `/admin/mail/${mailId}/reveal`, `/admin/orders/${orderId}/packing-slip`]) {
    const res = await support.postForm(path, {});
    assert.equal(res.status, 403, path);
    assert.deepEqual(leaks(res.text), []);
  }
  assert.ok(!(await support.get(`/admin/customers/${customerId}`)).text.includes(`/admin/customers/${customerId}/reveal`), 'no reveal button for support');
  assert.equal((await reveals()).length, count);

  const { client: operator, staffId } = await staffClient(store, 'order_operator');
  assert.equal((await operator.postForm(`/admin/orders/${orderId}/reveal`, {})).status, 403);
  const slip = await operator.postForm(`/admin/orders/${orderId}/packing-slip`, {});
  assert.equal(slip.status, 200);
  for (const v of ['山田 花子', '1-2-3', 'おまもりビル 4F', '03-1234-5678', '午前中希望']) assert.ok(slip.text.includes(v), v);
  const last = (await reveals()).at(-1)!;
  assert.equal(last.actor_id, staffId);
  assert.equal(last.actor_role, 'order_operator');
  assert.equal(last.object_id, String(orderId));
  assert.deepEqual(JSON.parse(last.detail), { fields: ['shipping.name', 'shipping.address', 'shipping.phone', 'note'], purpose: 'packing_slip' });
});
