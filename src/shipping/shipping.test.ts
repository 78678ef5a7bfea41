import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prefectures } from '../platform/jp/prefectures.ts';
import { defaultShopSettings } from '../settings/settings.ts';
import { shippingMethod, shippingMethods } from './registry.ts';
import { standardDelivery } from './standard-delivery.ts';

const noThreshold = { ...defaultShopSettings, free_shipping_threshold: null };

test('standard delivery: fee per region', () => {
  const expected: Record<string, number> = {
    北海道: 1_200,
    青森県: 900,
    福島県: 900,
    東京都: 800,
    神奈川県: 800,
    新潟県: 800,
    愛知県: 800,
    三重県: 900,
    大阪府: 900,
    広島県: 1_000,
    高知県: 1_000,
    福岡県: 1_100,
    鹿児島県: 1_100,
    沖縄県: 1_800,
  };
  for (const [prefecture, fee] of Object.entries(expected)) assert.equal(standardDelivery.fee(prefecture, 1_000, noThreshold), fee, prefecture);
  for (const p of prefectures) assert.ok(typeof standardDelivery.fee(p.ja, 0, noThreshold) === 'number', `${p.ja} has a fee`);
});

test('free shipping from the shop threshold upwards, never below it', () => {
  const settings = { ...defaultShopSettings, free_shipping_threshold: 5_000 };
  assert.equal(standardDelivery.fee('沖縄県', 4_999, settings), 1_800);
  assert.equal(standardDelivery.fee('沖縄県', 5_000, settings), 0);
  assert.equal(standardDelivery.fee('東京都', 12_000, settings), 0);
  assert.equal(standardDelivery.fee('東京都', 1_000_000, noThreshold), 800);
  assert.equal(standardDelivery.fee('東京都', 0, { ...defaultShopSettings, free_shipping_threshold: 0 }), 0);
});

test('unknown prefectures get no fee (not delivered), and the registry finds methods by id', () => {
  assert.equal(standardDelivery.fee('Tokyo', 1_000, noThreshold), null);
  assert.equal(shippingMethod('standard'), standardDelivery);
  assert.equal(shippingMethod('teleport'), undefined);
  assert.ok(shippingMethods.length >= 1);
});

test('labels and descriptions exist in both languages', () => {
  assert.equal(standardDelivery.label('ja'), '宅配便（通常配送）');
  assert.match(standardDelivery.label('en'), /Home delivery/);
  assert.match(standardDelivery.description('ja', defaultShopSettings), /¥800〜¥4,600.*¥5,000以上/);
  assert.match(standardDelivery.description('en', noThreshold), /¥800 to ¥4,600/);
  assert.doesNotMatch(standardDelivery.description('en', noThreshold), /Free/);
});

test('issue 16: the rate grows with the parcel size (the smallest size that holds it)', () => {
  assert.equal(standardDelivery.fee('東京都', 1_000, noThreshold, 60), 800);
  assert.equal(standardDelivery.fee('東京都', 1_000, noThreshold, 61), 1_050, 'a 61 cm parcel is priced as size 80');
  assert.equal(standardDelivery.fee('東京都', 1_000, noThreshold, 100), 1_300);
  assert.equal(standardDelivery.fee('沖縄県', 1_000, noThreshold, 160), 4_600);
  assert.equal(standardDelivery.fee('沖縄県', 5_000, defaultShopSettings, 160), 0, 'free shipping covers every size');
});
