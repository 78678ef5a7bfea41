import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invoiceTax, taxIncludedIn, taxRateOf, type TaxRate } from './consumption-tax.ts';

// 国税庁「消費税の仕入税額控除制度における適格請求書等保存方式に関するQ&A」の税込価額による記載例:
// 10%対象 5,500円（うち消費税 500円）、8%対象 5,400円（うち消費税 400円）、合計 10,900円。
test('NTA qualified-invoice example: ¥5,500 at 10% and ¥5,400 at 8%', () => {
  const tax = invoiceTax(
    [
      { rate: 10, amount: 5_500 },
      { rate: 8, amount: 5_400 },
    ],
    'floor',
  );
  assert.deepEqual(tax, { taxable10: 5_500, tax10: 500, taxable8: 5_400, tax8: 400 });
  assert.equal(tax.taxable10 + tax.taxable8, 10_900);
});

// 同Q&A（端数処理）: 一の適格請求書につき税率ごとに1回。個々の商品ごとに端数処理して合計することは認められない。
test('tax is rounded once per rate, never per line', () => {
  // three ¥105 items at 10%: per line 9 + 9 + 9 = 27, per rate floor(315 × 10 / 110) = 28
  const lines10 = [105, 105, 105].map((amount) => ({ rate: 10 as TaxRate, amount }));
  const perLine10 = lines10.reduce((sum, l) => sum + taxIncludedIn(l.amount, 10, 'floor'), 0);
  assert.equal(perLine10, 27);
  assert.equal(invoiceTax(lines10, 'floor').tax10, 28);

  // three ¥100 items at 8%: per line 7 + 7 + 7 = 21, per rate floor(300 × 8 / 108) = 22
  const lines8 = [100, 100, 100].map((amount) => ({ rate: 8 as TaxRate, amount }));
  assert.equal(lines8.reduce((sum, l) => sum + taxIncludedIn(l.amount, 8, 'floor'), 0), 21);
  assert.equal(invoiceTax(lines8, 'floor').tax8, 22);

  // rounding to nearest: three ¥16 items, per line 1 + 1 + 1 = 3, per rate round(480 / 110 = 4.36) = 4
  const sixteen = [16, 16, 16].map((amount) => ({ rate: 10 as TaxRate, amount }));
  assert.equal(sixteen.reduce((sum, l) => sum + taxIncludedIn(l.amount, 10, 'round'), 0), 3);
  assert.equal(invoiceTax(sixteen, 'round').tax10, 4);
});

test('each rounding mode of the shop setting', () => {
  // ¥1,050 at 10% contains 95.45… yen of tax
  assert.equal(taxIncludedIn(1_050, 10, 'floor'), 95);
  assert.equal(taxIncludedIn(1_050, 10, 'round'), 95);
  assert.equal(taxIncludedIn(1_050, 10, 'ceil'), 96);
  // ¥1,000 at 10% contains 90.90… yen
  assert.equal(taxIncludedIn(1_000, 10, 'floor'), 90);
  assert.equal(taxIncludedIn(1_000, 10, 'round'), 91);
  assert.equal(taxIncludedIn(1_000, 10, 'ceil'), 91);
  // ¥1,000 at 8% contains 74.07… yen
  assert.equal(taxIncludedIn(1_000, 8, 'floor'), 74);
  assert.equal(taxIncludedIn(1_000, 8, 'round'), 74);
  assert.equal(taxIncludedIn(1_000, 8, 'ceil'), 75);
  // exact amounts are never rounded up
  assert.equal(taxIncludedIn(1_100, 10, 'ceil'), 100);
  assert.equal(taxIncludedIn(1_080, 8, 'ceil'), 80);
  assert.equal(taxIncludedIn(0, 10, 'ceil'), 0);
});

test('integer arithmetic agrees with exact BigInt division, including large amounts', () => {
  const exact = (amount: number, rate: TaxRate, mode: 'floor' | 'round' | 'ceil') => {
    const n = BigInt(amount) * BigInt(rate);
    const d = BigInt(100 + rate);
    const q = n / d;
    const r = n % d;
    if (r === 0n || mode === 'floor') return Number(q);
    if (mode === 'ceil') return Number(q + 1n);
    return Number(r * 2n >= d ? q + 1n : q);
  };
  const samples = [1, 9, 10, 11, 99, 108, 109, 110, 111, 999_999, 10_000_000, 99_999_999, 123_456_789_012, 2 ** 48 + 7];
  let seed = 42;
  for (let i = 0; i < 500; i++) samples.push((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31));
  for (const amount of samples)
    for (const rate of [8, 10] as const)
      for (const mode of ['floor', 'round', 'ceil'] as const) assert.equal(taxIncludedIn(amount, rate, mode), exact(amount, rate, mode), `${amount} ${rate}% ${mode}`);
});

test('rejects amounts that are not non-negative integers', () => {
  assert.throws(() => taxIncludedIn(10.5, 10, 'floor'), RangeError);
  assert.throws(() => taxIncludedIn(-1, 10, 'floor'), RangeError);
});

test('tax classes map to rates', () => {
  assert.equal(taxRateOf('standard'), 10);
  assert.equal(taxRateOf('reduced'), 8);
});
