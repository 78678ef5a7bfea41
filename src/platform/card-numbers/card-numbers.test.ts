import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusValues, generatedValues, janCode, prng } from '../../../test/fixtures/benign-inputs.ts';
import { invalidCards, separators, spellings, styles, validCards } from '../../../test/fixtures/cards.ts';
import { cardBrand, containsCardNumber, defaultCardRules, findCardNumbers, isCardNumber, isValidEan, luhn, maskCardNumbers, type CardRules } from './card-numbers.ts';
import { exemptFormats } from './guard-config.ts';

/** Generated benign inputs on top of the corpus (was 6,000). */
const benignGenerated = 20_000;

/** T2 measurement: zero misses on published test cards in every way people type them, zero false positives on shop inputs. */

const frames = [
  (s: string) => `カード ${s} でお願いします`,
  (s: string) => s,
  (s: string) => `カード番号：${s}`,
  (s: string) => `card:${s}.`,
  (s: string) => `${s}、有効期限 12/28、セキュリティコード 123`,
  (s: string) => `${s} 12 28 123`,
  (s: string) => `山田様（${s}）`,
  (s: string) => `VISA${s}`,
  (s: string) => `電話 03-1234-5678 カード ${s}`,
];

/** Random Luhn-valid numbers in every brand range and length (beyond the published test cards). */
function syntheticCards(): string[] {
  const r = prng(4242);
  const prefixes: Array<[string, number[]]> = [
    ['4', [13, 16, 19]],
    ['51', [16]],
    ['55', [16]],
    ['2221', [16]],
    ['2720', [16]],
    ['34', [15]],
    ['37', [15]],
    ['3528', [16, 19]],
    ['3589', [16]],
    ['300', [14, 16]],
    ['305', [14]],
    ['36', [14]],
    ['38', [14, 16]],
    ['39', [14]],
    ['6011', [16, 19]],
    ['644', [16]],
    ['649', [16]],
    ['65', [16, 19]],
    ['62', [16, 17, 18, 19]],
  ];
  const out: string[] = [];
  for (const [prefix, lengths] of prefixes) {
    for (const len of lengths) {
      let made = 0;
      while (made < 20) {
        const body = prefix + r.digits(len - prefix.length - 1);
        for (let d = 0; d <= 9; d++) {
          if (!luhn(body + d)) continue;
          const n = body + d;
          // A 13-digit number that is also a valid JAN code is deliberately not a card (see card-numbers.ts).
          if (len === 13 && isValidEan(n)) break;
          out.push(n);
          made++;
          break;
        }
      }
    }
  }
  return out;
}

test('zero misses: every Luhn-valid published test card, in every separator style, inside text', () => {
  const misses: string[] = [];
  let checks = 0;
  for (const card of validCards) {
    assert.ok(cardBrand(card.number), `${card.brand} ${card.number.slice(0, 6)}… has a known issuer range`);
    for (const [style, typed] of Object.entries(styles(card.number))) {
      for (const frame of frames) {
        checks++;
        const text = frame(typed);
        const found = findCardNumbers(text);
        if (!found.some((m) => m.digits.includes(card.number))) misses.push(`${card.brand} ${style}: ${text}`);
      }
    }
  }
  console.log(`# test cards: ${validCards.length} distinct Luhn-valid numbers × ${Object.keys(styles('4242424242424242')).length} styles × ${frames.length} texts = ${checks} checks, ${misses.length} misses`);
  assert.deepEqual(misses, []);
});

test('zero misses: random Luhn-valid numbers of every brand range and length', () => {
  const cards = syntheticCards();
  const misses: string[] = [];
  let checks = 0;
  for (const n of cards) {
    for (const typed of Object.values(styles(n))) {
      checks++;
      if (!findCardNumbers(`ご注文メモ: ${typed} です`).some((m) => m.digits.includes(n))) misses.push(`${n}: ${typed}`);
    }
  }
  console.log(`# synthetic cards: ${cards.length} numbers, ${checks} checks, ${misses.length} misses`);
  assert.deepEqual(misses, []);
});

test('Luhn-invalid test cards, longer digit runs and widely spaced numbers are not card numbers', () => {
  for (const c of invalidCards) assert.equal(containsCardNumber(`カード ${c.number}`), false, c.number);
  assert.equal(containsCardNumber('42424242424242424242'), false, '20 digits is a longer code');
  assert.equal(containsCardNumber('ABC4242424242424242424242'), false);
  assert.equal(containsCardNumber('4242     4242     4242     4242'), false, 'five separators end a run');
  assert.equal(containsCardNumber('4242\n\n\n\n\n4242\n\n\n\n\n4242\n\n\n\n\n4242'), false);
  assert.equal(containsCardNumber('4242 円 4242 円 4242 円 4242'), false, 'words between groups end a run');
  // Letters on both sides: an identifier (hex digest, token); a brand name before it is still a card.
  assert.equal(containsCardNumber('sha256=9fa4242424242424242cd1'), false);
  assert.equal(containsCardNumber('VISA4242424242424242'), true);
  // A lot number glued to letters whose 14 digits happen to pass Luhn (built here, so no card-shaped literal is committed).
  const lot = [...'0123456789'].map((d) => `3636172474442${d}`).find((n) => luhn(n))!;
  assert.equal(containsCardNumber(`LOT${lot.slice(0, 8)}-${lot.slice(8)}`), false, 'glued to a letter: only card-like groupings');
  // The same digits in card-shaped runs are found, line breaks and Japanese punctuation included:
  for (const sep of [' ', '   ', '\n', '\r\n', '、', '。', '〜', '～', '―', 'ｰ', ' \n ', '\t']) assert.equal(containsCardNumber(['4242', '4242', '4242', '4242'].join(sep)), true, JSON.stringify(sep));
});

/** Numbers the generated set is built from: the published test cards and random numbers of every brand range and length. */
const generatedNumbers = () => [...validCards.map((c) => c.number), ...syntheticCards()];

test('zero misses on the generated set: test cards × separators × groupings × digit widths', () => {
  const misses: string[] = [];
  let checks = 0;
  const numbers = generatedNumbers();
  const wraps = [(s: string) => s, (s: string) => `カード番号は\n${s}\nです`, (s: string) => `note: ${s}.`];
  for (const [n, label, typed] of spellings(numbers)) {
    for (const wrap of wraps) {
      checks++;
      if (!findCardNumbers(wrap(typed)).some((m) => m.digits.startsWith(n))) misses.push(`${label}: ${JSON.stringify(wrap(typed))}`);
    }
  }
  console.log(`# generated set: ${numbers.length} numbers × ${Object.keys(separators).length} separators × groupings × widths = ${checks} spellings in text, ${misses.length} misses`);
  assert.deepEqual(misses.slice(0, 20), []);
});

/** The shapes each rule adds, for one card number. */
function extraShapes(n: string): Record<Exclude<keyof CardRules, 'maxGap'> | 'longGaps', string[]> {
  const g = n.length === 15 || n.length === 14 ? [n.slice(0, 4), n.slice(4, 10), n.slice(10)] : n.match(/.{1,4}/g)!;
  const fw = (x: string) => x.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
  return {
    slash: [g.join('/'), g.join(' / '), fw(g.join('／'))],
    lineBreaks: [g.join('\n'), g.join('\r\n'), fw(g.join('\n'))],
    punctuation: [g.join('、'), g.join('，'), g.join(', '), g.join('・'), g.join('。')],
    waveDashes: [g.join('〜'), g.join('～'), fw(g.join('~'))],
    longGaps: [g.join('  '), g.join('　　'), g.join('   '), g.join(' -- '), fw(g.join('    '))],
    // Only where the code makes 19 digits: 16 + 3, or Amex's 15 + 4.
    codeTypedOn: n.length === 16 ? [`${n}123`, fw(`${n}987`)] : n.length === 15 ? [`${n}1234`] : [],
  };
}

test('each separator rule: zero misses on its shapes, and what it costs on the benign inputs (zero false positives)', () => {
  const ruleNames = Object.keys(extraShapes('4242424242424242')) as Array<keyof ReturnType<typeof extraShapes>>;
  const benign = [...corpusValues(), ...generatedValues(benignGenerated)];
  const jan = (field: string) => field === 'jan_code' || field.endsWith('.jan_code');
  for (const rule of ruleNames) {
    const without: CardRules = rule === 'longGaps' ? { ...defaultCardRules, maxGap: 1 } : { ...defaultCardRules, [rule]: false };
    let checks = 0;
    const misses: string[] = [];
    for (const n of generatedNumbers()) {
      for (const typed of extraShapes(n)[rule]) {
        for (const text of [typed, `カード ${typed} でお願いします`, `card:${typed}.`]) {
          checks++;
          // (A 19-digit Visa whose 19 digits pass Luhn is found as such, code included: it is masked whole either way.)
          if (!findCardNumbers(text).some((m) => m.digits.startsWith(n))) misses.push(`${rule}: ${text}`);
        }
      }
    }
    // What this rule adds on the benign inputs: found with every rule, not found without this one.
    const added = benign.filter((v) => findCardNumbers(v.value).length > findCardNumbers(v.value, undefined, without).length && !(jan(v.field) && exemptFormats.jan(v.value)));
    console.log(`# rule ${rule}: ${checks} card checks, ${misses.length} misses; ${added.length} false positives on ${benign.length} benign inputs`);
    assert.deepEqual(misses, []);
    assert.deepEqual(added.map((v) => `${v.kind}/${v.field}: ${v.value}`), []);
  }
  // Measured, not used: a 20-digit run read as 16 digits + a 4-digit code (no 16-digit brand has one).
  let twenty = 0;
  for (const v of benign) for (const m of v.value.normalize('NFKC').matchAll(/(?<!\d)\d{20}(?!\d)/g)) if (isCardNumber(m[0].slice(0, 16))) twenty++;
  console.log(`# (not a rule) 20-digit runs whose first 16 digits are a card: ${twenty} false positives on the benign inputs`);
  // Measured, not used: five-character gaps.
  const five = benign.filter((v) => findCardNumbers(v.value, undefined, { ...defaultCardRules, maxGap: 5 }).length > findCardNumbers(v.value).length).length;
  console.log(`# (not a rule) gaps of 5 separator characters would add ${five} false positives`);
  // Masking covers the code too, and the recorded digits are the card's.
  assert.deepEqual(findCardNumbers('番号 4242424242424242123 です').map((m) => m.digits), ['4242424242424242']);
  assert.equal(maskCardNumbers('4242424242424242123'), '***************2123');
  assert.equal(containsCardNumber('42424242424242421234'), false, '16 + 4 digits: not a shape any brand has');
});

test('masking keeps the last four digits and the typed separators', () => {
  assert.equal(maskCardNumbers('カード 4242 4242 4242 4242 でお願いします'), 'カード **** **** **** 4242 でお願いします');
  assert.equal(maskCardNumbers('４２４２－４２４２－４２４２－４２４２'), '****－****－****－４２４２');
  assert.equal(maskCardNumbers('電話 03-1234-5678'), '電話 03-1234-5678');
});

test('zero false positives on at least 5,000 realistic Japanese shop inputs (corpus + generated)', () => {
  const corpus = corpusValues();
  const generated = generatedValues(benignGenerated);
  const all = [...corpus, ...generated];
  const jan = (field: string) => field === 'jan_code' || field.endsWith('.jan_code');
  const hits: string[] = [];
  const byKind = new Map<string, { n: number; fp: number; luhnOnly: number; anyIssuerNoEan: number }>();
  // For comparison: what simpler rules would have refused (measured, not asserted).
  const luhnOnly = (d: string) => luhn(d);
  const brandsNoEan = (d: string) => luhn(d) && cardBrand(d) !== null;
  for (const v of all) {
    const k = byKind.get(v.kind) ?? { n: 0, fp: 0, luhnOnly: 0, anyIssuerNoEan: 0 };
    byKind.set(v.kind, k);
    k.n++;
    if (findCardNumbers(v.value, luhnOnly).length) k.luhnOnly++;
    if (findCardNumbers(v.value, brandsNoEan).length) k.anyIssuerNoEan++;
    const found = findCardNumbers(v.value);
    // A JAN field is exempt for a valid JAN code only (route config `cardGuard: { jan_code: 'jan' }`).
    if (found.length && !(jan(v.field) && exemptFormats.jan(v.value))) {
      k.fp++;
      hits.push(`${v.kind}/${v.field}: ${v.value}`);
    }
  }
  console.log(`# benign inputs: ${all.length} (${corpus.length} corpus field values + ${generated.length} generated)`);
  console.log('# kind            inputs  refused  (Luhn only would refuse)  (Luhn+issuer, no JAN rule)');
  for (const [kind, k] of [...byKind].sort()) console.log(`# ${kind.padEnd(16)} ${String(k.n).padStart(6)}  ${String(k.fp).padStart(7)}  ${String(k.luhnOnly).padStart(24)}  ${String(k.anyIssuerNoEan).padStart(26)}`);
  console.log(`# false positives: ${hits.length}`);
  assert.ok(all.length >= 5000);
  assert.deepEqual(hits, []);
});

test('JAN codes in free text: the 13-digit JAN rule, measured', () => {
  const r = prng(49);
  let luhnValid = 0;
  let refused = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const code = janCode(r);
    if (luhn(code)) luhnValid++;
    if (containsCardNumber(`JAN ${code} の在庫はありますか`)) refused++;
  }
  console.log(`# ${n} Japanese JAN codes in free text: ${luhnValid} pass Luhn (would be refused as 13-digit Visa without the JAN rule), ${refused} refused`);
  assert.equal(refused, 0);
  assert.equal(exemptFormats.jan('4901234567894'), true);
  assert.equal(exemptFormats.jan('４９０１２３４５６７８９４'), true);
  assert.equal(exemptFormats.jan('4242424242424242'), false);
});
