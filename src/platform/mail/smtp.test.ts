import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { queueMail } from './mailer.ts';

// A real SMTP peer on loopback receives what the store sends when SMTP_URL is set.
const received: Array<{ to: string[]; raw: string }> = [];
let smtp: SMTPServer;
let store: TestStore;
before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp.server.address() as AddressInfo).port;
  store = await startTestStore({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: 'omamori <shop@example.jp>' } });
});
after(async () => {
  await store.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

test('queued mail is delivered over SMTP after commit and marked sent', async () => {
  await store.ctx.db.transaction().execute((trx) => queueMail(trx, { kind: 'test', to: 'hanako@example.jp', subject: 'ご注文ありがとうございます', text: '注文番号 20261122-1001' }));
  await store.drainJobs();
  assert.equal(received.length, 1);
  assert.deepEqual(received[0]!.to, ['hanako@example.jp']);
  assert.match(received[0]!.raw, /From: omamori <shop@example\.jp>/);
  const row = await store.ctx.db.selectFrom('mail_outbox').select(['status', 'sent_at']).executeTakeFirstOrThrow();
  assert.equal(row.status, 'sent');
  assert.ok(row.sent_at);
});

test('mail queued in a transaction that rolls back is never sent', async () => {
  const before = received.length;
  await store.ctx.db
    .transaction()
    .execute(async (trx) => {
      await queueMail(trx, { kind: 'test', to: 'nobody@example.jp', subject: 'x', text: 'x' });
      throw new Error('rollback');
    })
    .catch(() => {});
  await store.drainJobs();
  assert.equal(received.length, before);
});
