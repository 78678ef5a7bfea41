import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusValues, generatedValues } from '../../../test/fixtures/benign-inputs.ts';
import { isCleanText } from './request-bytes.ts';

test('strange bytes: no benign Japanese input is refused; controls and lone surrogates are', () => {
  const benign = [...corpusValues(), ...generatedValues(5000)];
  const refused = benign.filter((b) => !isCleanText(b.value));
  assert.deepEqual(refused.map((b) => JSON.stringify(b.value)), []);
  console.log(`# ${benign.length} benign inputs, 0 refused`);
  for (const ok of ['山田\t花子', '一行目\r\n二行目', '🍵 抹茶ラテ', '－〜～ー', '\u3000全角スペース']) assert.ok(isCleanText(ok), ok);
  for (const bad of ['a\u0000b', '\u0001', '\u001b[31m', '\u007f', '\u0085', '\ud800', 'x\udfff', '\udc00\ud800']) assert.equal(isCleanText(bad), false, JSON.stringify(bad));
  assert.equal(isCleanText('a\nb', 'line'), false, 'no line break in a path, header or cookie');
});
