import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { smtpTransient } from '../mail/mailer.ts';
import { enqueueJob, TransientJobError } from './queue.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false, config: { jobRetryBaseMs: 10, jobRetryMaxMs: 40 } });
});
after(() => store.close());

test('a failing job is retried with backoff and given up after max_attempts; a transient failure is retried past them', async () => {
  const calls = { permanent: 0, transient: 0 };
  store.ctx.jobs.register('test.permanent', async () => {
    calls.permanent += 1;
    throw new Error('bad payload');
  });
  store.ctx.jobs.register('test.transient', async () => {
    calls.transient += 1;
    if (calls.transient <= 12) throw new TransientJobError('peer away');
  });
  await store.ctx.db.transaction().execute(async (trx) => {
    await enqueueJob(trx, 'test.permanent', {});
    await enqueueJob(trx, 'test.transient', {});
  });
  const jobs = () => store.ctx.db.selectFrom('job').select(['kind', 'status', 'attempts', 'max_attempts']).where('kind', 'like', 'test.%').orderBy('kind').execute();
  const t0 = Date.now();
  while (Date.now() - t0 < 40_000) {
    const [p, t] = await jobs();
    if (p!.status !== 'pending' && t!.status !== 'pending') break;
    await sleep(50);
  }
  const [permanent, transient] = await jobs();
  assert.deepEqual({ status: permanent!.status, attempts: permanent!.attempts }, { status: 'failed', attempts: permanent!.max_attempts });
  assert.equal(calls.permanent, permanent!.max_attempts);
  assert.equal(transient!.status, 'done', 'retried for as long as the peer was away');
  assert.equal(calls.transient, 13);
  assert.ok(transient!.attempts > transient!.max_attempts);
});

test('SMTP failures that are temporary by RFC 5321: no connection, timeouts, 4xx replies; 5xx replies are not', () => {
  for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']) assert.equal(smtpTransient(Object.assign(new Error('x'), { code })), true, code);
  assert.equal(smtpTransient(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 451 })), true);
  assert.equal(smtpTransient(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 550 })), false);
  assert.equal(smtpTransient(Object.assign(new Error('x'), { code: 'EAUTH', responseCode: 535 })), false);
  assert.equal(smtpTransient(new Error('x')), false);
});
