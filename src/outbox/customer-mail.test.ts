import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { customerClient } from '../../test/sessions.ts';
import { queueMail } from '../platform/mail/mailer.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(async () => {
  await store?.close();
});

test("a customer's account lists exactly the mails sent to them (date, subject, kind; the body on click), none of another's", async () => {
  const hana = await customerClient(store, { email: 'hana@example.jp', name: '山田 花' });
  const ken = await customerClient(store, { email: 'ken@example.jp', name: '鈴木 健' });
  await store.ctx.db.transaction().execute(async (trx) => {
    await queueMail(trx, { kind: 'order.confirmation', to: 'hana@example.jp', subject: 'ご注文ありがとうございます(花)', text: '花さまのご注文 1001' });
    await queueMail(trx, { kind: 'order.shipped', to: 'hana@example.jp', subject: '発送しました(花)', text: '花さまの荷物' });
    await queueMail(trx, { kind: 'order.confirmation', to: 'ken@example.jp', subject: 'ご注文ありがとうございます(健)', text: '健さまのご注文 1002' });
    await queueMail(trx, { kind: 'test', to: 'someone-else@example.jp', subject: '他の人', text: 'x' });
  });
  await store.drainJobs();

  const list = await hana.client.get('/account/mail');
  assert.equal(list.status, 200);
  assert.match(list.text, /data-mail-count="2"/);
  assert.match(list.text, /ご注文ありがとうございます\(花\)/);
  assert.match(list.text, /発送しました\(花\)/);
  assert.match(list.text, /注文確認/);
  assert.match(list.text, /発送のお知らせ/);
  assert.doesNotMatch(list.text, /健|他の人/);

  const ids = await store.ctx.db.selectFrom('mail_outbox').select(['id', 'to_bidx']).orderBy('id').execute();
  const hanaFirst = ids[0]!.id;
  const kenMail = ids[2]!.id;
  const detail = await hana.client.get(`/account/mail/${hanaFirst}`);
  assert.equal(detail.status, 200);
  assert.match(detail.text, /花さまのご注文 1001/);
  assert.match(detail.text, /表示されていない場合、当店から送ったメールではありません/, 'the footer the mail carries');
  // Another customer's mail is "not found", like a mail that does not exist.
  assert.equal((await hana.client.get(`/account/mail/${kenMail}`)).status, 404);
  assert.equal((await hana.client.get('/account/mail/999999')).status, 404);

  const kens = await ken.client.get('/account/mail');
  assert.match(kens.text, /data-mail-count="1"/);
  assert.match(kens.text, /ご注文ありがとうございます\(健\)/);
  assert.doesNotMatch(kens.text, /花/);
  assert.equal((await ken.client.get(`/account/mail/${hanaFirst}`)).status, 404);

});
