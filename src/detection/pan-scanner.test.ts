import assert from 'node:assert/strict';
import { test } from 'node:test';
import { longSpans } from './classify-wasm.ts';
import { PanScanner, redactText, scanText, type PanFind } from './pan-scanner.ts';
import { luhn } from '../platform/security/card-numbers.ts';

const masked = (text: string) => scanText(text).map((f) => f.masked);
const fw = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0xff10 + Number(c)));
const mask = (n: string) => n.slice(0, 6) + '*'.repeat(n.length - 10) + n.slice(-4);

// Public test numbers (Stripe / PAY.JP documentation), plus Luhn-valid numbers built at run time for the prefix
// ranges (built, not written down: no card-number-shaped literal that is not a published test card is committed).
const brands: Array<[string, string]> = [
  ['visa', '4242424242424242'],
  ['visa', '4012888888881881'],
  ['mastercard', '5105105105105100'],
  ['mastercard', '5555555555554444'],
  ['mastercard', '2223003122003222'],
  ['amex', '378282246310005'],
  ['amex', built('34', 15)],
  ['jcb', '3530111333300000'],
  ['jcb', '3566002020360505'],
  ['diners', '30569309025904'],
  ['diners', '36227206271667'],
  ['diners', '38520000023237'],
  ['discover', '6011111111111117'],
  ['discover', built('6445', 16)],
  ['discover', built('65', 16)],
  ['unionpay', '6205500000000000004'],
  ['unionpay', built('62', 16)],
];

/** The prefix padded with zeros to `length` digits, the last one a valid Luhn check digit. */
function built(prefix: string, length: number): string {
  return luhnComplete(prefix + '0'.repeat(length - prefix.length - 1));
}

function luhnComplete(body: string): string {
  for (let d = 0; d < 10; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}

test('every brand prefix is found and masked first 6 / last 4', () => {
  for (const [brand, n] of brands) {
    const finds = scanText(`note: ${n} end`);
    assert.equal(finds.length, 1, `${brand} ${mask(n)}`);
    assert.equal(finds[0]!.brand, brand);
    assert.equal(finds[0]!.masked, mask(n));
    assert.equal(finds[0]!.offset, 6);
  }
  // range edges, each completed to a Luhn-valid number of the brand's length
  const edges: Array<[string, number, string]> = [
    ['2221', 16, 'mastercard'], ['2720', 16, 'mastercard'], ['51', 16, 'mastercard'], ['55', 16, 'mastercard'],
    ['3528', 16, 'jcb'], ['3589', 19, 'jcb'], ['300', 14, 'diners'], ['305', 14, 'diners'], ['39', 16, 'diners'],
    ['644', 16, 'discover'], ['649', 16, 'discover'], ['6011', 19, 'discover'], ['34', 15, 'amex'], ['4', 19, 'visa'],
  ];
  for (const [prefix, len, brand] of edges) {
    const n = built(prefix, len);
    assert.deepEqual(scanText(n).map((f) => f.brand), [brand], `${prefix}… (${len})`);
  }
  // just outside the ranges, or the wrong length for the brand
  const outside: Array<[string, number]> = [
    ['2220', 16], ['2721', 16], ['50', 16], ['56', 16], ['3527', 16], ['3590', 16], ['306', 14], ['37', 16], ['6010', 16], ['643', 16], ['66', 16],
    ['1', 16], ['7', 16], ['8', 16], ['9', 16], ['0', 16], ['4', 13], ['4', 15], ['51', 15], ['51', 17], ['34', 16],
  ];
  for (const [prefix, len] of outside) {
    const n = built(prefix, len);
    assert.deepEqual(masked(n), [], `${prefix}… (${len}) is not a card`);
  }
});

test('separators, full-width digits and mixed spellings', () => {
  const n = '4242424242424242';
  const m = mask(n);
  for (const spelled of [
    '4242 4242 4242 4242',
    '4242-4242-4242-4242',
    '4242.4242.4242.4242',
    '4 2 4 2 4 2 4 2 4 2 4 2 4 2 4 2',
    '42424242-42424242',
    fw(n),
    fw('4242－4242－4242－4242'),
    fw('4242．4242．4242．4242'),
    fw('4242　4242　4242　4242'),
    '4242ー4242ー4242ー4242',
    '4242‐4242−4242 4242',
    '4242' + fw('4242') + '-4242 ' + fw('4242'),
  ]) {
    assert.deepEqual(masked(`カード番号：${spelled}です`), [m], spelled);
  }
  assert.deepEqual(masked('378282 246310 005 / 3782 822463 10005'), [mask('378282246310005'), mask('378282246310005')]);
  // two separators in a row, or an unknown separator, split the number
  assert.deepEqual(masked('4242  4242 4242 4242'), []);
  assert.deepEqual(masked('4242/4242/4242/4242'), []);
  assert.deepEqual(masked('4242_4242_4242_4242'), []);
});

test('Luhn-invalid, non-card prefixes, 20-digit runs and identifiers are ignored', () => {
  assert.deepEqual(masked('4242424242424241'), []);
  assert.deepEqual(masked('4000000000001110 5555555555554445'), []);
  assert.deepEqual(masked('42424242424242420'), [], '17 digits: Luhn fails');
  assert.deepEqual(masked('42424242424242424242'), [], '20-digit run');
  assert.deepEqual(masked('99994242424242424242'), [], '20-digit run ending in a card');
  assert.deepEqual(masked('4242424242424242' + '4242424242424242'), [], '32-digit run');
  assert.deepEqual(masked('4901234567894 4512345678904'), [], 'JAN-13 codes');
  assert.deepEqual(masked('1795000000000 1234567890123456'), [], 'epoch ms, no brand');
  assert.deepEqual(masked('id=a4242424242424242 4242424242424242b tok_4242424242424242'), [], 'glued to letters');
  assert.deepEqual(masked('090-1234-5678 150-0001 192.168.100.200 2026-11-21'), []);
  assert.deepEqual(masked(''), []);
  // a card followed by a CVV or an expiry in the same run is still found
  assert.deepEqual(masked('4242 4242 4242 4242 123'), [mask('4242424242424242')]);
  assert.deepEqual(masked('4242424242424242 1228 123'), [mask('4242424242424242')]);
  assert.deepEqual(masked('order 1 4242424242424242'), [mask('4242424242424242')]);
});

/** Runs the scanner over `bytes` cut into the given chunks. */
function scanInChunks(bytes: Buffer, cuts: number[]): PanFind[] {
  const out: PanFind[] = [];
  const s = new PanScanner((f) => out.push(f));
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    s.push(bytes.subarray(at, c));
    at = c;
  }
  s.end();
  return out;
}

test('a number split across chunks is found, at every cut position', () => {
  const text = `abc ${fw('3566 0020 2036 0505')} x 4242-4242-4242-4242\n5555555555554444 ${'x'.repeat(20)}`;
  const bytes = Buffer.from(text);
  const whole = scanInChunks(bytes, []);
  assert.equal(whole.length, 3);
  for (let a = 0; a <= bytes.length; a++) {
    assert.deepEqual(scanInChunks(bytes, [a]), whole, `cut at ${a}`);
  }
  // every byte its own chunk
  assert.deepEqual(scanInChunks(bytes, Array.from({ length: bytes.length }, (_, i) => i)), whole);
  // offsets continue across chunks
  assert.equal(whole[0]!.offset, 4);
  assert.equal(Buffer.from(text).subarray(whole[2]!.offset, whole[2]!.offset + 4).toString(), '5555');
});

// A slow, obviously-correct reference (regex over decoded text) for random cross-checks.
const DIGIT = /[0-9０-９]/;
const SEP = /[ \-.　－．‐−ー]/;
function reference(text: string): Array<{ offset: number; masked: string }> {
  const chars = [...text];
  const word = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  const out: Array<{ offset: number; masked: string }> = [];
  const byteOff = (k: number) => Buffer.byteLength(chars.slice(0, k).join(''));
  let i = 0;
  while (i < chars.length) {
    if (!DIGIT.test(chars[i]!)) {
      i++;
      continue;
    }
    // maximal run: digit (sep? digit)*
    const groups: Array<{ start: number; digits: string }> = [{ start: i, digits: '' }];
    let j = i;
    for (;;) {
      if (j < chars.length && DIGIT.test(chars[j]!)) {
        const c = chars[j]!;
        groups.at(-1)!.digits += c >= '０' ? String(c.charCodeAt(0) - 0xff10) : c;
        j++;
      } else if (j + 1 < chars.length && SEP.test(chars[j]!) && DIGIT.test(chars[j + 1]!)) {
        groups.push({ start: j + 1, digits: '' });
        j++;
      } else break;
    }
    const gluedBefore = word(chars[i - 1]);
    const gluedAfter = word(chars[j]);
    let g = 0;
    while (g < groups.length) {
      let found = -1;
      if (!(g === 0 && gluedBefore)) {
        for (let e = groups.length - 1; e >= g; e--) {
          const digits = groups.slice(g, e + 1).map((x) => x.digits).join('');
          if (digits.length < 13 || digits.length > 19) continue;
          if (e === groups.length - 1 && gluedAfter) continue;
          if (masked(digits).length === 1 && scanText(digits)[0]!.digits === digits.length) {
            out.push({ offset: byteOff(groups[g]!.start), masked: mask(digits) });
            found = e;
            break;
          }
        }
      }
      g = found >= 0 ? found + 1 : g + 1;
    }
    i = j;
  }
  return out;
}

test('random text: the byte scanner agrees with a slow reference, whatever the chunking', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const pieces = ['4242424242424242', '4242 4242 4242 4242', fw('5555555555554444'), '378282246310005', '6205500000000000004', '38520000023237', '1', '42', '0', ' ', '-', '.', 'a', '_', '　', '－', 'ー', '円', 'カード', '\n', '12345', fw('77'), '4', '2', '5'];
  for (let round = 0; round < 300; round++) {
    let text = '';
    const n = 1 + Math.floor(rnd() * 40);
    for (let k = 0; k < n; k++) text += pieces[Math.floor(rnd() * pieces.length)];
    const bytes = Buffer.from(text);
    const expected = reference(text);
    const cuts = [Math.floor(rnd() * bytes.length), Math.floor(rnd() * bytes.length)].sort((a, b) => a - b);
    const got = scanInChunks(bytes, cuts).map((f) => ({ offset: f.offset, masked: f.masked }));
    assert.deepEqual(got, expected, JSON.stringify(text));
  }
});

test('large inputs: the SIMD pre-filter path finds exactly what the byte-by-byte path finds', () => {
  let seed = 777;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const pieces = ['4242424242424242', '4242 4242 4242 4242', fw('5555 5555 5555 4444'), '378282246310005', '38520000023237', '6205500000000000004', ' ', '-', '.', 'x', '\n', '12345', '1795000000000', '2026-11-21', '192.168.1.1 - - ', 'カード', '　', 'ー', '４', '0', '9', '99999999999999999999', 'tok_4242424242424242'];
  const parts: string[] = [];
  for (let k = 0; k < 60_000; k++) parts.push(pieces[Math.floor(rnd() * pieces.length)]!);
  const bytes = Buffer.from(parts.join(''));
  assert.ok(bytes.length > 300_000);
  const big = scanInChunks(bytes, [bytes.length >> 1]); // two large blocks: pre-filter path
  const small: number[] = [];
  for (let at = 1000; at < bytes.length; at += 1000 + Math.floor(rnd() * 2000)) small.push(at); // < 4 KiB: JavaScript path
  const bySmall = scanInChunks(bytes, small);
  assert.ok(big.length > 1000, `finds: ${big.length}`);
  assert.deepEqual(big, bySmall);
});

test('the SIMD pre-filter lists exactly the stretches of 14+ card bytes (and the one touching the end)', () => {
  const card = new Set([0x20, 0x2d, 0x2e, 0xef, 0xbc, 0x8d, 0x8e, 0xe3, 0x80, 0x83, 0xe2, 0x88, 0x92, ...Array.from({ length: 10 }, (_, i) => 0x30 + i), ...Array.from({ length: 10 }, (_, i) => 0x90 + i)]);
  let seed = 99;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const inSet = [...card];
  for (let round = 0; round < 40; round++) {
    const len = 5000 + Math.floor(rnd() * 20000);
    const buf = new Uint8Array(len + 10);
    const density = 0.5 + rnd() * 0.5;
    for (let i = 0; i < buf.length; i++) buf[i] = rnd() < density ? inSet[Math.floor(rnd() * inSet.length)]! : 0x41 + Math.floor(rnd() * 20);
    const from = Math.floor(rnd() * 5);
    const to = from + len;
    const expected: number[] = [];
    for (let i = from; i < to; ) {
      if (!card.has(buf[i]!)) {
        i++;
        continue;
      }
      let e = i;
      while (e < to && card.has(buf[e]!)) e++;
      if (e - i >= 14 || e === to) expected.push(i, e);
      i = e;
    }
    const out = new Int32Array(len);
    const n = longSpans(buf, from, to, out);
    if (n < 0) return; // no WebAssembly SIMD on this machine: the JavaScript path is tested above
    assert.deepEqual([...out.subarray(0, 2 * n)], expected, `round ${round}`);
  }
});

test('redactText masks card numbers inside paths and keys', () => {
  assert.equal(redactText('uploads/4242424242424242.txt'), 'uploads/424242******4242.txt');
  assert.equal(redactText('備考 ４２４２ ４２４２ ４２４２ ４２４２ です'), '備考 424242******4242 です');
  assert.equal(redactText('nothing here 123'), 'nothing here 123');
});
