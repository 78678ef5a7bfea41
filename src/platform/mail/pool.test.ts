// Mail goes out over a pool of SMTP connections, several mails at once (MAIL_CONCURRENCY), each outbox row exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../../test/faults/services.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { defaultMailConcurrency, mailConcurrencyFrom, queueMail } from './mailer.ts';

/** A real SMTP peer that is slow to accept each mail and counts connections and the mails it holds at once. */
const peer = { connections: 0, open: 0, peakOpen: 0, inData: 0, peakInData: 0, received: [] as Array<{ to: string; messageId: string; raw: string }> };
let server: SMTPServer;
let store: TestStore;
before(async () => {
  const port = await freePort();
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_s, cb) {
      peer.connections += 1;
      peer.open += 1;
      peer.peakOpen = Math.max(peer.peakOpen, peer.open);
      cb();
    },
    onClose() {
      peer.open -= 1;
    },
    onData(stream, session, cb) {
      peer.inData += 1;
      peer.peakInData = Math.max(peer.peakInData, peer.inData);
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () =>
        setTimeout(() => {
          peer.inData -= 1;
          const messageId = /^Message-ID:\s*(.*)$/im.exec(raw)?.[1]?.trim() ?? '';
          for (const r of session.envelope.rcptTo) peer.received.push({ to: r.address, messageId, raw });
          cb();
        }, 80),
      );
    },
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  store = await startTestStore({ listen: false, config: { smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: 'omamori <shop@example.jp>' } });
});
after(async () => {
  await store.close();
  await new Promise<void>((r) => server.close(() => r()));
});

test(`${defaultMailConcurrency} mails in flight at once over as many reused connections; every outbox row sent once, signed, with its own Message-ID`, async () => {
  const n = 24;
  await store.ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < n; i++) await queueMail(trx, { kind: 'test.pool', to: `p${i}@example.jp`, subject: `お知らせ ${i}`, text: `本文 ${i}` });
  });
  await store.drainJobs();
  const mine = peer.received.filter((m) => /^p\d+@/.test(m.to));
  assert.equal(mine.length, n, 'each mail handed over once, none twice');
  assert.equal(new Set(mine.map((m) => m.to)).size, n);
  assert.equal(new Set(mine.map((m) => m.messageId)).size, n, 'one Message-ID per outbox row');
  for (const m of mine) assert.match(m.raw, /^DKIM-Signature:/im);
  assert.equal(peer.peakInData, defaultMailConcurrency, 'several mails in flight at once, never more than MAIL_CONCURRENCY');
  assert.ok(peer.peakOpen <= defaultMailConcurrency, `at most ${defaultMailConcurrency} connections open (${peer.peakOpen})`);
  assert.ok(peer.connections <= defaultMailConcurrency, `connections reused from mail to mail (${peer.connections} opened for ${n} mails)`);
  const rows = await store.ctx.db.selectFrom('mail_outbox').select(['status', 'attempts']).where('kind', '=', 'test.pool').execute();
  assert.equal(rows.length, n);
  assert.ok(rows.every((r) => r.status === 'sent' && r.attempts === 1));
});

test('MAIL_CONCURRENCY: default 4, a whole number from 1 to 50, anything else refused', () => {
  assert.equal(mailConcurrencyFrom({}), 4);
  assert.equal(mailConcurrencyFrom({ MAIL_CONCURRENCY: '10' }), 10);
  for (const bad of ['0', '51', '2.5', 'many']) assert.throws(() => mailConcurrencyFrom({ MAIL_CONCURRENCY: bad }), /MAIL_CONCURRENCY/);
});
