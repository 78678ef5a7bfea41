import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HourOfWeekBaseline, hourOfWeek } from './baseline.ts';

const hour = 3600_000;
const week = 168 * hour;
// Friday 2026-11-27 12:00 UTC (21:00 in Japan): the weekly sale hour; Tuesday 18:00 UTC (03:00 in Japan): night.
const saleHour = new Date('2026-11-27T12:00:00Z');
const nightHour = new Date('2026-12-01T18:00:00Z');

/** Four weeks of history: a quiet store (2 failed sign-ins an hour), with a weekly sale hour of 600. */
function history(): HourOfWeekBaseline {
  const b = new HourOfWeekBaseline();
  const start = saleHour.getTime() - 4 * week;
  for (let t = start; t < saleHour.getTime(); t += hour) b.observe(new Date(t), hourOfWeek(new Date(t)) === hourOfWeek(saleHour) ? 600 : 2);
  return b;
}

test('hour of week', () => {
  assert.equal(hourOfWeek(new Date('2026-12-06T00:30:00Z')), 0); // Sunday
  assert.equal(hourOfWeek(saleHour), 5 * 24 + 12);
});

test('a sale-like burst with matching history does not trip; the same burst at an unusual hour does', () => {
  const b = history();
  // 10 minutes of the sale: 110 failed sign-ins (people mistyping passwords), floor 20.
  assert.equal(b.unusual(new Date(saleHour.getTime() + 10 * 60_000), 110, 600, 20), false);
  assert.equal(b.unusual(new Date(nightHour.getTime() + 10 * 60_000), 110, 600, 20), true);
});

test('a slow night attack above the floor trips; below the floor nothing does', () => {
  const b = history();
  const at = new Date(nightHour.getTime() + 50 * 60_000);
  assert.equal(b.unusual(at, 25, 3600, 20), true, '25 in an hour where 2 is usual');
  assert.equal(b.unusual(at, 19, 3600, 20), false, 'below the fixed floor');
  assert.equal(b.unusual(at, 25, 3600, 0), false, 'floor 0: detector off');
});

test('without enough history the floor alone decides; the average follows a lasting change', () => {
  const fresh = new HourOfWeekBaseline();
  assert.equal(fresh.expected(nightHour), null);
  assert.equal(fresh.unusual(nightHour, 20, 600, 20), true);
  const b = new HourOfWeekBaseline({ alpha: 0.5, factor: 3, minWeeks: 2 });
  b.observe(nightHour, 10);
  b.observe(new Date(nightHour.getTime() + week), 30);
  assert.equal(b.expected(nightHour), 20);
});
