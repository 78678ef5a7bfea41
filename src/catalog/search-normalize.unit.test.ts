import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeSearch, searchTerms, shortGrams } from './search-normalize.ts';

test('katakana, hiragana, half width and long vowels meet in one spelling', () => {
  for (const s of ['コーヒー', 'こーひー', 'ｺｰﾋｰ', 'コーヒ', 'こひ', 'コ－ヒ－', 'コ〜ヒ〜']) assert.equal(normalizeSearch(s), 'こひ', s);
  assert.equal(normalizeSearch('ｶﾞﾗｽ'), 'がらす');
  assert.equal(normalizeSearch('ヴィンテージ'), 'ゔぃんてじ');
});

test('case, full-width letters and digits, spaces and punctuation fold away; meaningful symbols stay', () => {
  assert.equal(normalizeSearch('ＣＡＣＡＯ　Chocolate'), 'cacaochocolate');
  assert.equal(normalizeSearch('ETH-YIR-200-WB'), 'ethyir200wb');
  assert.equal(normalizeSearch('深煎りブレンド「夜長」'), '深煎りぶれんど夜長');
  assert.equal(normalizeSearch('焼き菓子・スイーツ'), '焼き菓子すいつ');
  assert.equal(normalizeSearch('100%'), '100%');
  assert.equal(normalizeSearch('A_B'), 'a_b');
  assert.equal(normalizeSearch('４５８０００'), '458000');
});

test('search terms: split on spaces (full width too), normalised, at most 5 of at most 50 characters', () => {
  assert.deepEqual(searchTerms('深煎り　豆 '), ['深煎り', '豆']);
  assert.deepEqual(searchTerms(' ・ 「」 '), []);
  assert.deepEqual(searchTerms(undefined), []);
  const many = searchTerms(Array.from({ length: 10 }, (_, i) => `${'あ'.repeat(80)}${i}`).join(' '));
  assert.equal(many.length, 5);
  assert.ok(many.every((t) => t.length === 50));
});

test('short grams: every 1- and 2-character piece of each word, once', () => {
  assert.deepEqual(shortGrams(['深煎り', '豆']).sort(), ['り', '深', '深煎', '煎', '煎り', '豆'].sort());
  assert.deepEqual(shortGrams(['ああ']), ['あ', 'ああ']);
});
