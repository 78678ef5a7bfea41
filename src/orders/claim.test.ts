import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { allMails, mailsTo } from '../../test/outbox.ts';
import { customerClient } from '../../test/sessions.ts';
import { TestClient } from '../../test/client.ts';
import { draftFor, makeVariant } from './test-fixtures.ts';

// Issue 16: guest orders attached to an account by a link mailed to the account's own address (T4: no enumeration).
let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

const linkIn = (text: string) => /\/account\/orders\/claim\/([A-Za-z0-9_-]+)/.exec(text)?.[1];
const ownerOf = async (id: number) => (await store.ctx.db.selectFrom('orders').select('customer_id').where('id', '=', id).executeTakeFirstOrThrow()).customer_id;

test('a guest order is claimed only through the link mailed to the account address, by that account, once', async () => {
  const v = await makeVariant(store, { stock: 50 });
  const g1 = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'Guest.Buyer@example.jp' }));
  const g2 = await store.services.orders.place(draftFor([{ v, quantity: 2 }], { email: 'guest.buyer@example.jp' }));
  const other = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'someone@example.jp' }));

  // Someone else, typing the victim's address into the form, gets the same answer and a mail to their own address only.
  const stranger = await customerClient(store, { email: 'stranger@example.jp' });
  const typed = await stranger.client.postForm('/account/orders/claim', { email: 'guest.buyer@example.jp' });
  assert.equal(typed.status, 303);
  assert.equal(typed.location, '/account/orders?claim=sent');
  assert.equal((await mailsTo(store, 'guest.buyer@example.jp', 'order.claim')).length, 0);
  const [strangerMail] = await mailsTo(store, 'stranger@example.jp', 'order.claim');
  assert.match(strangerMail!.text_body, /ゲストでのご注文は見つかりませんでした/);
  assert.equal(linkIn(strangerMail!.text_body), undefined);

  const buyer = await customerClient(store, { email: 'guest.buyer@example.jp' });
  const history = await buyer.client.get('/account/orders');
  assert.match(history.text, /ゲストでのご注文の引き継ぎ/);
  assert.doesNotMatch(history.text, new RegExp(g1.number), 'nothing shown before the mailbox is proven');
  const asked = await buyer.client.postForm('/account/orders/claim', {});
  assert.equal(asked.location, typed.location, 'the same answer whether or not there are guest orders');
  assert.match((await buyer.client.get(asked.location!)).text, /確認のメールを guest\.buyer@example\.jp に送りました/);
  await buyer.client.postForm('/account/orders/claim', {});
  const mails = await mailsTo(store, 'guest.buyer@example.jp', 'order.claim');
  assert.equal(mails.length, 1, 'one mail per 10 minutes');
  assert.match(mails[0]!.text_body, /ゲストでのご注文が 2 件あります/);
  const token = linkIn(mails[0]!.text_body)!;
  assert.ok(token);
  assert.equal(await ownerOf(g1.id), null, 'asking changes nothing');

  // The link is the buyer's only: signed out it asks to sign in, another account gets the one refusal.
  const anon = new TestClient(store.url);
  const out = await anon.get(`/account/orders/claim/${token}`);
  assert.equal(out.status, 303);
  assert.match(out.location ?? '', /^\/account\/sign-in\?next=/);
  const wrong = await stranger.client.get(`/account/orders/claim/${token}`);
  assert.equal(wrong.status, 404);
  assert.match(wrong.text, /このリンクは使えません/);
  assert.equal((await stranger.client.postForm(`/account/orders/claim/${token}`, {})).status, 404);
  assert.equal((await buyer.client.get('/account/orders/claim/not-a-real-token-xxxxxxxxxxxx')).status, 404);

  const confirm = await buyer.client.get(`/account/orders/claim/${token}`);
  assert.equal(confirm.status, 200);
  assert.ok(confirm.text.includes(g1.number) && confirm.text.includes(g2.number) && !confirm.text.includes(other.number));
  assert.equal(await ownerOf(g1.id), null, 'opening the link changes nothing');
  const done = await buyer.client.postForm(`/account/orders/claim/${token}`, {});
  assert.equal(done.status, 303);
  assert.equal(done.location, '/account/orders?claimed=2');
  assert.equal(await ownerOf(g1.id), buyer.customerId);
  assert.equal(await ownerOf(g2.id), buyer.customerId);
  assert.equal(await ownerOf(other.id), null);
  const list = await buyer.client.get('/account/orders?claimed=2');
  assert.ok(list.text.includes(g1.number) && list.text.includes('2 件のご注文を注文履歴に引き継ぎました'));
  assert.equal((await buyer.client.postForm(`/account/orders/claim/${token}`, {})).status, 404, 'used once');
  assert.equal((await allMails(store, 'order.claim')).length, 2);
});

test('a claim link dies when the account address changes', async () => {
  const v = await makeVariant(store, { stock: 10 });
  const g = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email: 'mover@example.jp' }));
  const c = await customerClient(store, { email: 'mover@example.jp' });
  await c.client.postForm('/account/orders/claim', {});
  const token = linkIn((await mailsTo(store, 'mover@example.jp', 'order.claim'))[0]!.text_body)!;
  await store.ctx.db.updateTable('customer').set({ email_bidx: store.ctx.vault.emailIndex('new-address@example.jp') }).where('id', '=', c.customerId).execute();
  assert.equal((await c.client.postForm(`/account/orders/claim/${token}`, {})).status, 404);
  assert.equal(await ownerOf(g.id), null);
});
