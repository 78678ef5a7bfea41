import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressesOfPostalCode, addressToFill, postalDigits, prefecturesOfPostalCode } from './postal-codes.ts';

test('postal codes as shoppers type them: hyphens, full-width digits, 〒; anything else is not a code', () => {
  assert.equal(postalDigits('150-0001'), '1500001');
  assert.equal(postalDigits('〒１５０－０００１'), '1500001');
  assert.equal(postalDigits(' 1500001 '), '1500001');
  assert.equal(postalDigits('150-001'), null);
  assert.equal(postalDigits('abc'), null);
});

test('the shipped postal data: a code gives its prefecture, city and town, with no outside call', () => {
  assert.deepEqual(addressToFill('060-0001'), { postalCode: '060-0001', prefecture: '北海道', city: '札幌市中央区', town: '北一条西' });
  assert.deepEqual(addressToFill('１５０－０００１'), { postalCode: '150-0001', prefecture: '東京都', city: '渋谷区', town: '神宮前' });
  assert.deepEqual(prefecturesOfPostalCode('900-0001'), ['沖縄県']);
  // A code covering a whole city has no town.
  assert.equal(addressToFill('100-0000')?.town, '');
  // Unknown codes (and large offices' own codes, not in the data) give nothing: nothing to check against.
  assert.deepEqual(addressesOfPostalCode('000-0000'), []);
  assert.deepEqual(prefecturesOfPostalCode('100-8111'), []);
  assert.equal(addressToFill('12'), null);
});

test('a code shared by several towns fills the city only', () => {
  // 088-0351 (白糠町) covers several towns.
  assert.ok(new Set(addressesOfPostalCode('088-0351').map((a) => a.town)).size > 1);
  assert.deepEqual(addressToFill('088-0351'), { postalCode: '088-0351', prefecture: '北海道', city: '白糠郡白糠町', town: '' });
});
