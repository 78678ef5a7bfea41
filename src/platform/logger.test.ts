import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { validCards, styles } from '../../test/fixtures/cards.ts';
import { createLogger, logCardMask, maskCardNumbersInLine } from './logger.ts';
import { findCardNumbers } from './card-numbers/card-numbers.ts';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

test('T2: no card number reaches a log line, whatever logged it, and every line stays JSON', () => {
  const { log, lines } = capture();
  let n = 0;
  for (const card of validCards) {
    for (const typed of Object.values(styles(card.number))) {
      log.info({ note: `カード ${typed} でお願いします`, nested: { deeper: [typed] } }, `order note ${typed}`);
      n++;
    }
    // Beyond 2^53 a JSON number has already lost its digits; below it, it is logged exactly.
    if (Number.isSafeInteger(Number(card.number))) log.warn({ amount: Number(card.number) }, 'a number logged as a JSON number');
    else log.warn({ amount: card.number }, 'a number logged as a string');
    log.error(new Error(`payment failed for ${card.number}`));
  }
  assert.equal(lines.length, n + validCards.length * 2);
  for (const line of lines) {
    assert.deepEqual(findCardNumbers(line), [], line);
    for (const card of validCards) assert.ok(!line.includes(card.number), line);
    JSON.parse(line);
    assert.ok(line.includes(logCardMask));
  }
  const numeric = JSON.parse(lines.find((l) => l.includes('a number logged as a JSON number'))!);
  assert.equal(numeric.amount, logCardMask, 'a bare JSON number is replaced by a string');
});

test('sensitive keys are redacted at any of the first three levels', () => {
  const { log, lines } = capture();
  log.info({ password: 'hunter2', user: { token: 'abc', card_number: 'x', cvv: '123' }, req: { headers: { cookie: 'sid=1', authorization: 'Bearer t' } }, a: { b: { new_password: 'p' } } }, 'secrets');
  const line = lines[0]!;
  for (const secret of ['hunter2', '"abc"', 'sid=1', 'Bearer t', '"123"', '"p"']) assert.ok(!line.includes(secret), `${secret} in ${line}`);
  assert.match(line, /\[redacted\]/);
});

test('ordinary numbers in log lines are left alone', () => {
  const line = '{"level":30,"time":1795288147477,"pid":123,"msg":"order 20261122-1001 tel 090-1234-5678 JAN 4901234567894"}';
  assert.equal(maskCardNumbersInLine(line), line);
  assert.equal(maskCardNumbersInLine('plain text 4242 4242 4242 4242 end'), `plain text ${logCardMask} end`);
});
