import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpPeer } from '../../../test/smtp-peer.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { queueMail } from './mailer.ts';

// A real SMTP peer on loopback receives what the store sends when SMTP_URL is set.
let smtp: SmtpPeer;
let store: TestStore;
before(async () => {
  smtp = await SmtpPeer.start();
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'omamori <shop@example.jp>' } });
});
after(async () => {
  await store.close();
  await smtp.stop();
});

test('queued mail is delivered over SMTP after commit and marked sent', async () => {
  await store.ctx.db.transaction().execute((trx) => queueMail(trx, { kind: 'test', to: 'hanako@example.jp', subject: 'ご注文ありがとうございます', text: '注文番号 20261122-1001' }));
  await store.drainJobs();
  assert.equal(smtp.received.length, 1);
  assert.deepEqual(smtp.received[0]!.to, ['hanako@example.jp']);
  assert.match(smtp.received[0]!.raw, /From: omamori <shop@example\.jp>/);
  const row = await store.ctx.db.selectFrom('mail_outbox').select(['status', 'sent_at']).executeTakeFirstOrThrow();
  assert.equal(row.status, 'sent');
  assert.ok(row.sent_at);
});

test('mail queued in a transaction that rolls back is never sent', async () => {
  const before = smtp.received.length;
  await store.ctx.db
    .transaction()
    .execute(async (trx) => {
      await queueMail(trx, { kind: 'test', to: 'nobody@example.jp', subject: 'x', text: 'x' });
      throw new Error('rollback');
    })
    .catch(() => {});
  await store.drainJobs();
  assert.equal(smtp.received.length, before);
});
