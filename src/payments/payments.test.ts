import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultShopSettings } from '../settings/settings.ts';
import { bankTransfer, paymentDeadline } from '../orders/payment-methods/bank-transfer.ts';
import { cashOnDelivery, codFee } from '../orders/payment-methods/cash-on-delivery.ts';
import type { OrderForPayment } from '../orders/payment-methods/method.ts';
import { instructionsHtml, instructionsText, paymentMethod, paymentMethods } from '../orders/payment-methods/registry.ts';

const order: OrderForPayment = { number: '1001', total: 5_800, paymentFee: 0, placedAt: new Date('2025-03-10T03:00:00Z'), email: 'a@example.jp', locale: 'ja' };

test('cash on delivery: fee tiers by the amount collected (fee included)', () => {
  assert.equal(codFee(1), 330);
  assert.equal(codFee(9_670), 330); // collects exactly ¥10,000
  assert.equal(codFee(9_671), 440); // ¥10,001 with ¥330 would exceed the first tier
  assert.equal(codFee(29_560), 440); // collects ¥30,000
  assert.equal(codFee(29_561), 660);
  assert.equal(codFee(99_340), 660); // collects ¥100,000
  assert.equal(codFee(99_341), 1_100);
  assert.equal(codFee(298_900), 1_100); // collects ¥300,000
  assert.equal(cashOnDelivery.fee(298_901), null); // above ¥300,000: not available
  assert.equal(cashOnDelivery.fee(1_000_000), null);
});

test('bank transfer: no fee, awaits payment, instructions show the account and the deadline', () => {
  assert.equal(bankTransfer.fee(123_456_789), 0);
  assert.equal(bankTransfer.initialStatus, 'awaiting_payment');
  assert.equal(bankTransfer.shipsBeforePayment, false);
  const settings = { ...defaultShopSettings, bank_account: 'テスト銀行 本店 普通 7654321', bank_transfer_days: 7 };
  assert.deepEqual(paymentDeadline(order.placedAt, 7), new Date('2025-03-17T03:00:00Z'));
  const ja = instructionsText(bankTransfer.instructions('ja', order, settings));
  assert.match(ja, /振込先: テスト銀行 本店 普通 7654321/);
  assert.match(ja, /お支払い金額: ¥5,800/);
  assert.match(ja, /お支払い期限: 2025年3月17日/);
  const en = instructionsText(bankTransfer.instructions('en', order, settings));
  assert.match(en, /Pay by: 17 March 2025/);
  assert.match(bankTransfer.description('ja', settings), /7日以内/);
  const pending = instructionsText(bankTransfer.instructions('ja', order, { ...settings, bank_account: '' }));
  assert.match(pending, /振込先はご注文確認メールでお知らせします/);
});

test('cash on delivery may ship before payment; both methods continue on the confirmation page', async () => {
  assert.equal(cashOnDelivery.initialStatus, 'awaiting_payment');
  assert.equal(cashOnDelivery.shipsBeforePayment, true);
  assert.deepEqual(await cashOnDelivery.nextStep(order), { kind: 'confirmation' });
  assert.deepEqual(await bankTransfer.nextStep(order), { kind: 'confirmation' });
  const text = instructionsText(cashOnDelivery.instructions('en', { ...order, total: 6_130, paymentFee: 330 }, defaultShopSettings));
  assert.match(text, /Amount: ¥6,130/);
  assert.match(text, /cash-on-delivery fee: ¥330/);
});

test('registry: methods by id, labels in both languages, instructions rendered escaped', () => {
  assert.deepEqual(paymentMethods.map((m) => m.id), ['bank_transfer', 'cod', 'card']);
  assert.equal(paymentMethod('cod'), cashOnDelivery);
  assert.equal(paymentMethod('card')!.label('ja'), 'クレジットカード');
  assert.equal(paymentMethod('card')!.fee(10_000), 0);
  assert.equal(paymentMethod('card')!.shipsBeforePayment, false);
  assert.equal(paymentMethod('bitcoin'), undefined); // (was 'paypay', a real method since issue 11 adds KOMOJU)
  assert.equal(paymentMethod('bank_transfer')!.label('ja'), '銀行振込');
  assert.equal(paymentMethod('cod')!.label('en'), 'Cash on delivery');
  const page = String(instructionsHtml(bankTransfer.instructions('ja', order, { ...defaultShopSettings, bank_account: '<script>x</script>' })));
  assert.doesNotMatch(page, /<script>/);
  assert.match(page, /&lt;script&gt;/);
});
