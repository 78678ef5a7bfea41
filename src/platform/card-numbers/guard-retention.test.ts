import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { loadConfig } from '../config.ts';
import { GUARD_RETENTION_TASK } from './guard-retention.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ config: { guardEventRetentionDays: 30 } });
});
after(() => store.close());

const day = 86_400_000;

test('the scheduled task deletes guard events older than GUARD_EVENT_RETENTION_DAYS and keeps the rest', async () => {
  const { db } = store.ctx;
  const event = (ageDays: number, field: string) => ({ created_at: new Date(Date.now() - ageDays * day), method: 'POST', route: '/account/addresses', source: 'body' as const, field, card_hmac: 'a'.repeat(64), ip_hmac: 'b'.repeat(64) });
  await db.insertInto('guard_event').values([event(400, 'old'), event(31, 'old'), event(29, 'kept'), event(0, 'kept')]).execute();
  // More than one deletion batch of old events.
  await sql`insert into guard_event (created_at, method, route, source, field, card_hmac, ip_hmac)
    select now() - interval '45 days', 'POST', '/checkout/review', 'body', 'note', repeat('c', 64), repeat('d', 64) from generate_series(1, 5003)`.execute(db);
  await store.ctx.scheduler.runNow(GUARD_RETENTION_TASK);
  const left = await db.selectFrom('guard_event').select('field').orderBy('id').execute();
  assert.deepEqual(left.map((r) => r.field), ['kept', 'kept']);
  await store.ctx.scheduler.runNow(GUARD_RETENTION_TASK); // nothing more to delete
  assert.equal((await db.selectFrom('guard_event').select('id').execute()).length, 2);
});

test('GUARD_EVENT_RETENTION_DAYS defaults to 90 days and must be 1 to 3650', () => {
  const env = { DATA_DIR: '/tmp/omamori-config-test' } as NodeJS.ProcessEnv;
  assert.equal(loadConfig(env).guardEventRetentionDays, 90);
  assert.equal(loadConfig({ ...env, GUARD_EVENT_RETENTION_DAYS: '30' }).guardEventRetentionDays, 30);
  for (const bad of ['0', '-1', '1.5', 'ninety', '4000']) assert.throws(() => loadConfig({ ...env, GUARD_EVENT_RETENTION_DAYS: bad }), /GUARD_EVENT_RETENTION_DAYS/, bad);
});
