import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { enqueueJob } from './queue.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false });
  await store.ctx.jobs.stop(); // only drain() runs jobs here, so every count below is this test's own
});
after(() => store.close());

test('a kind registered with concurrency 3 runs three jobs at once, never more, each once; a kind without runs one at a time', async () => {
  const now = { wide: 0, narrow: 0 };
  const peak = { wide: 0, narrow: 0 };
  const seen: number[] = [];
  const handler = (k: 'wide' | 'narrow') => async (payload: Record<string, unknown>) => {
    now[k] += 1;
    peak[k] = Math.max(peak[k], now[k]);
    await sleep(30);
    if (k === 'wide') seen.push(Number(payload.n));
    now[k] -= 1;
  };
  store.ctx.jobs.register('test.wide', handler('wide'), { concurrency: 3 });
  store.ctx.jobs.register('test.narrow', handler('narrow'));
  await store.ctx.db.transaction().execute(async (trx) => {
    for (let n = 0; n < 12; n++) await enqueueJob(trx, 'test.wide', { n });
    for (let n = 0; n < 4; n++) await enqueueJob(trx, 'test.narrow', { n });
  });
  await store.drainJobs();
  assert.equal(peak.wide, 3, 'three in flight at once');
  assert.equal(peak.narrow, 1, 'a kind with no concurrency given stays one at a time');
  assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(12).keys()], 'each job run exactly once');
  const left = await store.ctx.db.selectFrom('job').select(['status']).where('kind', 'like', 'test.%').where('status', '<>', 'done').execute();
  assert.deepEqual(left, []);
});
