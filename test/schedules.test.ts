import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { schedules } from '../src/app/schedules.ts';
import { startTestStore } from './harness.ts';

test('every task the scheduler runs is listed in src/app/schedules.ts, with its interval', async () => {
  const store = await startTestStore({ config: { backupIntervalHours: 12, retentionCustomerInactiveDays: 1000 } });
  try {
    const running = store.ctx.scheduler.list();
    for (const task of running) {
      const entry = schedules.find((s) => s.name === task.name);
      assert.ok(entry, `${task.name} runs but is not listed in src/app/schedules.ts`);
      if (typeof entry.every === 'number') assert.equal(task.everyMs, entry.every, `${task.name}: interval`);
      assert.equal(task.single, entry.single, `${task.name}: single`);
    }
    const names = new Set(running.map((t) => t.name));
    for (const entry of schedules.filter((s) => !s.when)) assert.ok(names.has(entry.name), `${entry.name} is listed but does not run`);
  } finally {
    await store.close();
  }
});

test('each listed task is registered where the list says', () => {
  for (const entry of schedules) {
    const text = readFileSync(new URL(`../src/${entry.registeredIn}`, import.meta.url), 'utf8');
    assert.match(text, /scheduler\.every\(/, `${entry.registeredIn} registers ${entry.name}`);
  }
});
