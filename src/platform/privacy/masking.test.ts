import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskAddress, maskName } from './masking.ts';

test('names keep the family name (or first character) only; addresses keep the prefecture and city', () => {
  assert.equal(maskName('山田 太郎'), '山田 *');
  assert.equal(maskName('山田\u3000太郎'), '山田 *');
  assert.equal(maskName('ヤマダ タロウ'), 'ヤマダ *');
  assert.equal(maskName('山田太郎'), '山 *');
  assert.equal(maskName('Taro Yamada'), 'Taro *');
  assert.equal(maskName(''), '');
  const masked = maskAddress({ name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区神宮前', line1: '1-2-3', line2: 'おまもりビル 4F', phone: '0312345678' });
  assert.deepEqual(masked, { name: '山田 *', name_kana: 'ヤマダ *', postal_code: '150-****', prefecture: '東京都', city: '渋谷区神宮前', line1: '***', line2: '', phone: '031-****-5678' });
});
