import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TestClient } from '../../test/client.ts';
import { startTestStore, testDbKind, type TestStore } from '../../test/harness.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { reviewAndPlace, validForm } from '../checkout/test-helpers.ts';
import { dumpProof, type DumpSource } from './dump-proof.ts';

/**
 * Issue 5's proof (T1: Tully's, IPSA): customers and orders are created through the real paths (registration,
 * address book, checkout as customer and as guest, a password-reset request, the mails they cause), then the
 * database is dumped as a thief would take it (pg_dump on PostgreSQL; the embedded database's whole data
 * directory, WAL included, on PGlite) and none of their names, e-mails, phones or addresses is in it.
 */

let store: TestStore;
let ip = 0;
const browser = () => new TestClient(store.url, { 'x-forwarded-for': `10.77.0.${++ip}` });
before(async () => {
  store = await startTestStore({ config: { trustProxy: true } });
});
after(() => store.close());

const customer = { name: '蔵元 秘子', name_kana: 'クラモト ヒメコ', email: 'kuramoto.himeko@example.jp', phone: '080-2468-1357', password: 'kissaten-no-mame-dump' };
const book = { name: '蔵元 秘子', name_kana: 'クラモト ヒメコ', postal_code: '864-2097', prefecture: '熊本県', city: '秘蔵市奥座敷区', line1: '隠れ里1-2-3', line2: 'ないしょ館 303', phone: '096-111-2233' };
const guest = { email: 'tsukimi.dango@example.jp', name: '月見 団子', name_kana: 'ツキミ ダンゴ', postal_code: '0447788', prefecture: '北海道', city: '幻影郡霧隠町', line1: '霧ヶ丘5-4-3', line2: '秘匿荘 808', phone: '099-8765-4321', note: '裏口の箱に置いてください' };

const needles = [
  ...[customer.name, customer.name_kana, 'クラモト', customer.email, 'kuramoto.himeko', customer.phone, '08024681357'],
  ...[book.postal_code, '8642097', book.city, book.line1, book.line2, book.phone, '0961112233'],
  ...[guest.email, 'tsukimi.dango', guest.name, guest.name_kana, '044-7788', guest.postal_code, guest.city, guest.line1, guest.line2, guest.phone, '09987654321', guest.note],
];

test(`dump proof on ${testDbKind}: no customer's or order's name, e-mail, phone or address is in the database dump`, async () => {
  const v = await createTestVariant(store.ctx.db, { price: 2_400, stock: 10 });

  // A customer registers, keeps an address, orders with it typed at checkout, and asks for a password reset.
  assert.equal((await browser().postForm('/account/register', { name: customer.name, name_kana: customer.name_kana, email: customer.email, phone: customer.phone, password: customer.password, agree_terms: 'on' })).status, 303);
  const member = browser();
  assert.equal((await member.postForm('/account/sign-in', { email: customer.email, password: customer.password, agree_terms: 'on' })).status, 303);
  assert.equal((await member.postForm('/account/addresses', book)).status, 303);
  await member.postForm('/cart/items', { variant_id: v, quantity: 1 });
  const memberOrder = await reviewAndPlace(member, { ...validForm, ...book, email: customer.email, note: '' });
  assert.equal(memberOrder.placed.status, 303, memberOrder.review.text.slice(0, 300));
  assert.equal((await browser().postForm('/account/password/forgot', { email: customer.email })).status, 303);

  // A guest orders.
  const shopper = browser();
  await shopper.postForm('/cart/items', { variant_id: v, quantity: 2 });
  const guestOrder = await reviewAndPlace(shopper, { ...validForm, ...guest });
  assert.equal(guestOrder.placed.status, 303, guestOrder.review.text.slice(0, 300));
  await store.drainJobs(); // confirmation, welcome and reset mails written to the outbox

  const numbers = [memberOrder.placed.location!, guestOrder.placed.location!].map((l) => decodeURIComponent(l.slice('/orders/'.length)));
  const placed = await store.ctx.db.selectFrom('orders').select('id').where('number', 'in', numbers).execute();
  assert.equal(placed.length, 2);
  const back = (await store.services.orders.byId(placed[1]!.id))!;
  assert.equal(back.shipping.city, guest.city, 'the store itself still reads everything');
  assert.ok((await store.ctx.db.selectFrom('mail_outbox').select('id').execute()).length >= 4, 'mails were written');

  let source: DumpSource;
  if (testDbKind === 'postgres') source = { kind: 'postgres', url: store.ctx.config.databaseUrl! };
  else {
    await sql`checkpoint`.execute(store.ctx.db);
    source = { kind: 'pglite', pglite: store.ctx.database.pglite! };
  }
  const result = await dumpProof(source, [...needles, ...numbers]);
  // control: the dump is real and searchable (order numbers are not personal data and stay plain)
  assert.deepEqual(result.found.filter((f) => numbers.includes(f)).sort(), [...numbers].sort(), 'the order numbers are in the dump');
  assert.deepEqual(result.found.filter((f) => !numbers.includes(f)), [], `personal data in the ${testDbKind} dump (${result.bytes} bytes)`);
});
