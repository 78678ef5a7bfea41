import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestVariant } from '../../src/cart/test-products.ts';
import { queueMail } from '../../src/platform/mail/mailer.ts';
import { startTestStore, testDbKind, type TestStore } from '../harness.ts';
import { SmtpPeer } from '../smtp-peer.ts';
import { shopOnce } from './shoppers.ts';

// Issue 18: the mail server cannot be reached for a while. Mail waits in the outbox, retried with backoff (driven
// fast here by JOB_RETRY_BASE_MS / JOB_RETRY_MAX_MS), for longer than a job's 8 attempts, and goes out once each
// when the server is back.
let smtp: SmtpPeer;
let store: TestStore;
before(async () => {
  smtp = await SmtpPeer.start();
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'omamori <shop@example.jp>', jobRetryBaseMs: 50, jobRetryMaxMs: 300 } });
});
after(async () => {
  await store.close();
  await smtp.stop();
});

async function until(what: string, check: () => Promise<boolean>, ms: number) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting: ${what}`);
    await sleep(100);
  }
}

test(`SMTP unreachable for a while (${testDbKind}): mail waits in the outbox past the retry limit and goes out when it returns, none lost, none twice`, { timeout: 60_000 }, async (t) => {
  const { db } = store.ctx;
  await smtp.stop();
  // Orders placed through the API while the mail server is away: each queues a confirmation.
  const variant = await createTestVariant(db, { name: 'お守りセット', price: 1_200, stock: 100 });
  const orders = [];
  for (let i = 0; i < 6; i++) {
    const r = await shopOnce(store.url, variant, 1);
    assert.equal(r.status, 201, 'checkout does not wait for the mail server');
    orders.push(r.number!);
  }
  for (let i = 0; i < 4; i++) await db.transaction().execute((trx) => queueMail(trx, { kind: 'test', to: `outage-${i}@example.jp`, subject: `outage test ${i}`, text: 'x' }));
  // Each order's confirmation, the shop's new-order notice (issue 16) and the four test mails.
  const expected = (await db.selectFrom('mail_outbox').select('id').execute()).length;
  assert.ok(expected >= orders.length + 4, `${expected} mails queued`);

  // Every mail job keeps being retried, beyond its max_attempts (8), and none is given up.
  const mailJobs = () => db.selectFrom('job').select(['id', 'status', 'attempts', 'max_attempts']).where('kind', '=', 'mail.send').execute();
  await until('every mail job retried past max_attempts', async () => (await mailJobs()).every((j) => j.attempts > j.max_attempts), 30_000);
  const jobs = await mailJobs();
  assert.equal(jobs.length, expected);
  assert.deepEqual([...new Set(jobs.map((j) => j.status))], ['pending'], 'still waiting, not failed');
  const waiting = await db.selectFrom('mail_outbox').select(['status', 'last_error']).execute();
  assert.equal(waiting.length, expected);
  assert.ok(waiting.every((m) => m.status === 'queued' && m.last_error !== null), 'in the outbox, with the last error kept for staff');
  assert.equal(smtp.received.length, 0);

  await smtp.resume();
  await until('every mail sent', async () => (await db.selectFrom('mail_outbox').select('status').where('status', '!=', 'sent').execute()).length === 0, 20_000);
  await store.drainJobs();
  await sleep(500); // anything sent twice would arrive now
  t.diagnostic(`${expected} mails, ${jobs.reduce((s, j) => s + j.attempts, 0)} attempts during the outage, ${smtp.received.length} delivered`);

  assert.equal(smtp.received.length, expected, 'each mail delivered once');
  const recipients = smtp.received.flatMap((m) => m.to);
  for (let i = 0; i < 4; i++) assert.ok(recipients.includes(`outage-${i}@example.jp`));
  assert.equal(recipients.filter((r) => r.startsWith('shopper-')).length, orders.length, 'one confirmation per order');
  const ids = smtp.received.map((m) => /^Message-ID: (.*)$/im.exec(m.raw)?.[1]);
  assert.ok(ids.every((id) => id && /^<omamori\.\d+\.\d+@example\.jp>$/.test(id)), `a stable Message-ID per outbox row: ${ids[0]}`);
  assert.equal(new Set(ids).size, expected, 'no outbox row sent twice');
  assert.deepEqual([...new Set((await mailJobs()).map((j) => j.status))], ['done']);
});
