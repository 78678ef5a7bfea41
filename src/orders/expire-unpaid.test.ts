import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { AppError } from '../platform/http/errors.ts';
import { eventsOf } from './queries.ts';
import { draftFor, guestToken, makeVariant, stockOf } from './test-fixtures.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false });
});
after(() => store.close());

test('bank transfers past the deadline are cancelled and give their stock back; others are left alone', async () => {
  const v = await makeVariant(store, { stock: 5 });
  const place = (paymentMethod: string) =>
    store.services.orders.place(draftFor([{ v, quantity: 2 }], { accessTokenHash: guestToken().hash, paymentMethod, paymentFee: 0 }));
  const late = await place('bank_transfer');
  const recent = await place('bank_transfer');
  assert.equal(await stockOf(store, v.variantId), 1);
  const days = (await store.services.shop.get()).bank_transfer_days;
  await store.ctx.db.updateTable('orders').set({ placed_at: sql<Date>`now() - make_interval(days => ${days + 2})` }).where('id', '=', late.id).execute();

  await store.ctx.scheduler.runNow('expire-unpaid-bank-transfers');

  const statuses = await store.ctx.db.selectFrom('orders').select(['id', 'status']).where('id', 'in', [late.id, recent.id]).orderBy('id').execute();
  assert.deepEqual(statuses.map((o) => o.status), ['cancelled', 'awaiting_payment']);
  assert.equal(await stockOf(store, v.variantId), 3, 'the late order returned its 2 units');
  const event = (await eventsOf(store.ctx.db, late.id)).at(-1)!; // notes are stored encrypted (issue 5)
  assert.equal(event.toStatus, 'cancelled');
  assert.equal(event.staffName, null);
  assert.match(event.note, /期限/);
});

test('an order above the online limit is refused with a message, and nothing is written', async () => {
  const v = await makeVariant(store, { price: 9_000_000, stock: 99 });
  const before = await store.ctx.db.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  await assert.rejects(
    store.services.orders.place(draftFor([{ v, quantity: 12 }], { accessTokenHash: guestToken().hash })),
    (e) => e instanceof AppError && e.code === 'validation' && /1億円/.test(e.localized('ja')),
  );
  const after = await store.ctx.db.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  assert.equal(after.n, before.n);
  assert.equal(await stockOf(store, v.variantId), 99);
});

test('issue 10: a guest bank transfer is due after the guest deadline (hours); a customer with an account keeps the days', async () => {
  const v = await makeVariant(store, { stock: 10 });
  const { insertCustomerRecord } = await import('../identity/customers/customer-data.ts');
  const customerId = await insertCustomerRecord(store.ctx, { email: `expire-${Date.now()}@example.jp`, name: '山田 太郎', password_hash: 'not-a-hash:test-only' });
  const guest = await store.services.orders.place(draftFor([{ v, quantity: 3 }], { accessTokenHash: guestToken().hash, paymentMethod: 'bank_transfer', paymentFee: 0 }));
  const member = await store.services.orders.place(draftFor([{ v, quantity: 3 }], { customerId, accessTokenHash: null, paymentMethod: 'bank_transfer', paymentFee: 0 }));
  const freshGuest = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { accessTokenHash: guestToken().hash, paymentMethod: 'bank_transfer', paymentFee: 0 }));
  assert.equal(await stockOf(store, v.variantId), 3);
  const hours = (await store.services.shop.get()).guest_bank_transfer_hours;
  assert.equal(hours, 48, 'the documented default');
  await store.ctx.db.updateTable('orders').set({ placed_at: sql<Date>`now() - make_interval(hours => ${hours + 1})` }).where('id', 'in', [guest.id, member.id]).execute();

  await store.ctx.scheduler.runNow('expire-unpaid-bank-transfers');

  const statuses = await store.ctx.db.selectFrom('orders').select(['id', 'status']).where('id', 'in', [guest.id, member.id, freshGuest.id]).orderBy('id').execute();
  assert.deepEqual(statuses.map((o) => o.status), ['cancelled', 'awaiting_payment', 'awaiting_payment']);
  assert.equal(await stockOf(store, v.variantId), 6, "the guest order's 3 units are back");
  // The guest is told the deadline in hours (date and time), the customer in days.
  const { pendingInstructions } = await import('./method-views.ts');
  const shop = await store.services.shop.get();
  const placedAt = new Date('2026-03-01T03:00:00Z');
  const base = { number: 'X', status: 'awaiting_payment' as const, total: 1000, paymentFee: 0, paymentMethod: 'bank_transfer', placedAt, email: 'a@example.jp', locale: 'ja' as const };
  const deadline = (p: ReturnType<typeof pendingInstructions>) => p!.details.find((d) => d.label === '振込期限' || d.label === 'お支払い期限')?.value ?? JSON.stringify(p!.details);
  assert.match(deadline(pendingInstructions({ ...base, accessTokenHash: 'h' }, shop, 'ja')), /2026年3月3日 12:00/);
  assert.match(deadline(pendingInstructions({ ...base, accessTokenHash: null }, shop, 'ja')), /2026年3月8日$/);
});
