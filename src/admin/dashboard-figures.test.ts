import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { draftFor, makeVariant } from '../orders/test-fixtures.ts';
import { dailySales, jstToday, salesFigures } from './dashboard-figures.ts';
import { niceMax } from './sales-chart.ts';

// Issue 16: the console's figures (today / this month, tax included) and the 30-day chart as server-rendered SVG.
let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

test('sales count real orders only, by the Japan day; the dashboard draws them as SVG with a table', async () => {
  const v = await makeVariant(store, { price: 2000, stock: 100 });
  const place = (opts = {}) => store.services.orders.place(draftFor([{ v, quantity: 1 }], opts));
  const bank = await place(); // 2000 + 800 shipping: counts while awaiting the transfer
  const cod = await place({ paymentMethod: 'cod' }); // + 330 fee
  const cancelled = await place();
  await store.services.orders.transition(cancelled.id, 'cancelled', null, '');
  const card = await place({ paymentMethod: 'card' }); // never paid: not an order yet
  // An order placed 40 days ago is in neither today, this month (unless the month is long enough) nor the chart.
  const old = await place();
  await store.ctx.db.updateTable('orders').set({ placed_at: new Date(Date.now() - 40 * 86_400_000) }).where('id', '=', old.id).execute();
  // 23:30 UTC is 08:30 the next day in Japan: counted on the Japanese date.
  const late = await place();
  const tokyoMidnight = new Date(Date.parse(`${jstToday()}T00:00:00+09:00`) + 30 * 60_000); // 00:30 JST today
  await store.ctx.db.updateTable('orders').set({ placed_at: tokyoMidnight }).where('id', '=', late.id).execute();

  const f = await salesFigures(store.ctx.db);
  const expected = [bank, cod, late].length;
  assert.equal(f.today.orders, expected);
  assert.equal(f.today.sales, 2800 + 3130 + 2800);
  assert.equal(f.today.average, Math.floor((2800 + 3130 + 2800) / 3));
  assert.ok(f.month.orders >= expected && f.month.sales >= f.today.sales);
  void card;

  const days = await dailySales(store.ctx.db, 30);
  assert.equal(days.length, 30);
  assert.equal(days[29]!.day, jstToday());
  assert.deepEqual([days[29]!.sales, days[29]!.orders], [8730, 3]);
  assert.equal(days.reduce((s, d) => s + d.sales, 0), 8730, 'the 40-day-old order is outside the chart');

  assert.deepEqual([niceMax(0), niceMax(8730), niceMax(12_000), niceMax(50_000)], [10_000, 10_000, 20_000, 50_000]);

  const { client } = await staffClient(store, 'owner');
  const page = await client.get('/admin');
  assert.equal(page.status, 200);
  assert.match(page.text, /本日の売上（税込）<\/span><strong>¥8,730<\/strong>/);
  assert.match(page.text, /<svg viewBox="0 0 720 220"[^>]*role="img"/);
  assert.equal((page.text.match(/<rect /g) ?? []).length, 30, 'one bar per day');
  assert.match(page.text, new RegExp(`data-day="${jstToday()}" data-sales="8730"`));
  assert.match(page.text, /キャンセル・返金した注文と、カード決済が終わっていない注文は含みません/);
  assert.doesNotMatch(page.text, /<script/i, 'no script for the chart');
});
