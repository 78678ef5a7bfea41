import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startTestStore, testDbKind, type TestStore } from '../../../test/harness.ts';
import { notify } from './database.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false });
});
after(() => store.close());

const waitUntil = async (check: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a notification sent in a transaction arrives after commit, not after rollback', async () => {
  const got: string[] = [];
  await store.ctx.database.listen('test_channel', (p) => got.push(p));
  await store.ctx.db
    .transaction()
    .execute(async (trx) => {
      await notify(trx, 'test_channel', 'rolled-back');
      throw new Error('rollback');
    })
    .catch(() => {});
  await store.ctx.db.transaction().execute((trx) => notify(trx, 'test_channel', 'committed'));
  await waitUntil(() => got.includes('committed'));
  assert.deepEqual(got, ['committed']);
});

test('the PostgreSQL listener reconnects after its connection is killed and tells listeners to assume a change', async () => {
  if (testDbKind !== 'postgres') return; // PGlite runs in-process: there is no connection to lose.
  const got: string[] = [];
  await store.ctx.database.listen('test_reconnect', (p) => got.push(p));
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'LISTEN%'`.execute(store.ctx.db);
  await waitUntil(() => got.includes(''));
  await notify(store.ctx.db, 'test_reconnect', 'after');
  await waitUntil(() => got.includes('after'));
});
