import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pino from 'pino';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import { closeRedis, openRedis } from '../platform/redis.ts';
import { SearchLimiter, searchRateShared } from './search-limit.ts';

const redisUrl = process.env.TEST_REDIS_URL;
const noRedis = redisUrl ? false : 'no Redis: TEST_REDIS_URL is not set (start Redis at 127.0.0.1:6379 or set TEST_REDIS_URL)';
const log = pino({ level: 'silent' });
// Two instances of one store (same database) and another store, on one Redis.
const database = `postgres://x@127.0.0.1/search-limit-${randomBytes(6).toString('hex')}`;
const ctxOf = (databaseUrl: string) => ({ config: { redisUrl, databaseUrl, dataDir: '/tmp' }, log, redis: openRedis(redisUrl, log) }) as unknown as AppContext;

test('with Redis the search rate is counted across instances; another store counts apart; no address in clear', { skip: noRedis }, async () => {
  const [a, b, other] = [ctxOf(database), ctxOf(database), ctxOf(`${database}-other`)];
  try {
    const [la, lb, lo] = [a, b, other].map((ctx) => new SearchLimiter(4, 60_000, searchRateShared(ctx)));
    for (let i = 0; i < 2; i++) await la!.check('192.0.2.77', 'ja');
    for (let i = 0; i < 2; i++) await lb!.check('192.0.2.77', 'ja');
    await assert.rejects(la!.check('192.0.2.77', 'ja'), (err: unknown) => err instanceof AppError && err.status === 429);
    await assert.rejects(lb!.check('192.0.2.77', 'ja'), (err: unknown) => err instanceof AppError && err.status === 429);
    await lo!.check('192.0.2.77', 'ja');
    await la!.check('192.0.2.78', 'ja');
    const keys = await a.redis!.keys('omamori:search:*');
    assert.ok(keys.length >= 3);
    for (const k of keys) assert.doesNotMatch(k, /192\.0\.2/);
  } finally {
    await Promise.all([closeRedis(a), closeRedis(b), closeRedis(other)]);
  }
});
