import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { digitBytes, longSpans, prefilterBytes, prefilterDigitBytes } from './classify-wasm.ts';
import { PanScanner, redactText, scanText, type PanFind } from './pan-scanner.ts';
import { shapeBytes } from './shape-bytes.ts';
import { scanFileBytes } from './files.ts';
import { findCardNumbers, isCardNumber, luhn } from './card-numbers.ts';
import { charClass, defaultCardRules, IGNORE, isPlainGap, isRegularGrouping, isSeparator } from './card-shapes.ts';

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
    ['644', 16, 'discover'], ['649', 16, 'discover'], ['6011', 19, 'discover'], ['34', 15, 'amex'], ['4', 19, 'visa'], ['42', 13, 'visa'],
  ];
  for (const [prefix, len, brand] of edges) {
    const n = built(prefix, len);
    assert.deepEqual(scanText(n).map((f) => f.brand), [brand], `${prefix}… (${len})`);
  }
  // just outside the ranges, or the wrong length for the brand
  const outside: Array<[string, number]> = [
    ['2220', 16], ['2721', 16], ['50', 16], ['56', 16], ['3527', 16], ['3590', 16], ['306', 14], ['37', 16], ['6010', 16], ['643', 16], ['66', 16],
    ['1', 16], ['7', 16], ['8', 16], ['9', 16], ['0', 16], ['4', 15], ['4', 17], ['51', 15], ['51', 17], ['34', 16],
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
  // the separators of card-shapes.ts, up to four in a row (CR LF counts once)
  for (const spelled of ['4242  4242 4242 4242', '4242/4242/4242/4242', '4242\n4242\r\n4242\r4242', '4242、4242。4242・4242', '4242〜4242～4242~4242', '4242―4242‒4242ｰ4242', '4242 \r\n 4242\t4242,4242', fw('4242\n4242\n4242\n4242')]) {
    assert.deepEqual(masked(`カード番号：${spelled}です`), [m], JSON.stringify(spelled));
  }
  // an unknown separator, or five separators in a row, split the number
  assert.deepEqual(masked('4242_4242_4242_4242'), []);
  assert.deepEqual(masked('4242     4242     4242     4242'), []);
  assert.deepEqual(masked('4242 円 4242 円 4242 円 4242'), []);
  // a JAN-13 code is not a 13-digit Visa; a card with its code typed on is found (masked as the card)
  assert.deepEqual(masked('JAN 4901234567894'), []);
  assert.deepEqual(masked('4242424242424242123'), [m]);
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

// A slow, obviously-correct reference over decoded text, built on the same shape definition, for random cross-checks.
const cls = (ch: string) => charClass(ch.codePointAt(0)!);
function reference(text: string): Array<{ offset: number; masked: string }> {
  const chars = [...text];
  const word = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  const out: Array<{ offset: number; masked: string }> = [];
  const byteOff = (k: number) => Buffer.byteLength(chars.slice(0, k).join(''));
  let i = 0;
  while (i < chars.length) {
    if (cls(chars[i]!) > 9) {
      i++;
      continue;
    }
    // maximal run: digit (ignorable | gap of 1..maxGap separators followed by a digit | digit)*
    const groups: Array<{ start: number; digits: string; loose: boolean }> = [{ start: i, digits: '', loose: false }];
    let j = i;
    let lastDigit = i;
    for (;;) {
      if (j < chars.length && cls(chars[j]!) <= 9) {
        groups.at(-1)!.digits += String(cls(chars[j]!));
        lastDigit = j;
        j++;
        continue;
      }
      if (j < chars.length && cls(chars[j]!) === IGNORE) {
        j++;
        continue;
      }
      let k = j;
      const gap: number[] = [];
      while (k < chars.length && (isSeparator(cls(chars[k]!)) || cls(chars[k]!) === IGNORE)) {
        if (isSeparator(cls(chars[k]!)) && !(chars[k] === '\n' && chars[k - 1] === '\r')) gap.push(cls(chars[k]!));
        k++;
      }
      if (gap.length >= 1 && gap.length <= defaultCardRules.maxGap && k < chars.length && cls(chars[k]!) <= 9) {
        groups.push({ start: k, digits: '', loose: !isPlainGap(gap) });
        j = k;
        continue;
      }
      break;
    }
    const gluedBefore = word(chars[i - 1]);
    const gluedAfter = chars.slice(lastDigit + 1, j).every((c) => cls(c) === IGNORE) && word(chars[j]);
    let g = 0;
    while (g < groups.length) {
      let found = -1;
      if (!(g === 0 && gluedBefore)) {
        for (let e = groups.length - 1; e >= g; e--) {
          const digits = groups.slice(g, e + 1).map((x) => x.digits).join('');
          if (digits.length < 13 || digits.length > 19) continue;
          if (e === groups.length - 1 && gluedAfter) continue;
          const window = groups.slice(g, e + 1);
          if (window.slice(1).some((x) => x.loose) && !isRegularGrouping(window.map((x) => x.digits.length))) continue;
          if (isCardNumber(digits)) {
            out.push({ offset: byteOff(groups[g]!.start), masked: mask(digits) });
            found = e;
            break;
          }
        }
        const d = groups[g]!.digits;
        if (found < 0 && d.length === 19 && !(g === groups.length - 1 && gluedAfter)) {
          const cardLen = [16, 15].find((l) => isCardNumber(d.slice(0, l)));
          if (cardLen) out.push({ offset: byteOff(groups[g]!.start), masked: mask(d.slice(0, cardLen)) });
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
  const pieces = ['4242424242424242', '4242 4242 4242 4242', fw('5555555555554444'), '378282246310005', '6205500000000000004', '38520000023237', '1', '42', '0', ' ', '-', '.', 'a', '_', '　', '－', 'ー', '円', 'カード', '\n', '\r\n', '、', '〜', '\u200b', ' / ', '12345', '4242', '424242', fw('77'), '4', '2', '5', '123'];
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

test('the SIMD pre-filter lists exactly the stretches of 13+ card bytes with 13+ digit starts (and the one touching the end)', () => {
  // The byte set derived from card-shapes.ts, as the nibble tables encode it (never smaller than INRUN).
  const covered = prefilterBytes();
  for (let b = 0; b < 256; b++) if (shapeBytes().inRun[b]) assert.equal(covered[b], 1, `byte ${b.toString(16)} in the pre-filter`);
  const card = new Set(Array.from({ length: 256 }, (_, b) => b).filter((b) => covered[b]));
  // ... and the stretches kept hold at least 13 bytes that can begin a digit (never fewer than there are).
  const dStarts = prefilterDigitBytes();
  for (let b = 0; b < 256; b++) if (digitBytes()[b]) assert.equal(dStarts[b], 1, `digit byte ${b.toString(16)}`);
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
    for (let i = 0; i < buf.length; i++) buf[i] = rnd() < density ? inSet[Math.floor(rnd() * inSet.length)]! : 0x41 + Math.floor(rnd() * 20); // A–T: never card bytes
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
      let digitStarts = 0;
      for (let k = i; k < e; k++) digitStarts += dStarts[buf[k]!]!;
      if ((e - i >= 13 && digitStarts >= 13) || e === to) expected.push(i, e);
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

test('one definition: the scanner finds every shape the guard refuses (the generated set), in text and in a file', async () => {
  const { spellings } = await import('../../../test/fixtures/cards.ts');
  const { validCards } = await import('../../../test/fixtures/cards.ts');
  // The published test cards and, per brand range and length, a number built at run time.
  const numbers = [...validCards.map((c) => c.number), ...(['4', '51', '2221', '2720', '34', '37', '3528', '3589', '300', '36', '38', '6011', '644', '65', '62'] as const).flatMap((p) => [13, 14, 15, 16, 17, 18, 19].map((len) => built(p, len)).filter((n) => isCardNumber(n)))];
  const frames = [(s: string) => `カード番号：${s}です`, (s: string) => `{"note":"${s}"}`, (s: string) => `line 1\n${s}\nline 3`];
  let refused = 0;
  const misses: string[] = [];
  const inFile: string[] = [];
  let k = 0;
  for (const [n, label, typed] of spellings(numbers)) {
    const text = frames[k++ % frames.length]!(typed);
    if (!findCardNumbers(text).some((m) => m.digits.startsWith(n))) continue;
    refused++;
    const start = Buffer.byteLength(text.slice(0, text.indexOf(typed)));
    const end = start + Buffer.byteLength(typed);
    const found = scanText(text).some((f) => f.offset >= start && f.offset < end && f.masked.startsWith(n.slice(0, 6)));
    if (!found) misses.push(`${label}: ${JSON.stringify(text)}`);
    if (k % 97 === 0) inFile.push(text);
  }
  console.log(`# guard refuses ${refused} generated spellings (${numbers.length} numbers); the scanner misses ${misses.length}`);
  assert.ok(refused > 50_000);
  assert.deepEqual(misses.slice(0, 20), []);
  // The same, written to a file one per line and read in small chunks by the file scan.
  const dir = mkdtempSync(path.join(tmpdir(), 'pan-parity-'));
  try {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, inFile.join('\n\n\n\n\n'));
    const { finds } = await scanFileBytes(file, Buffer.allocUnsafe(4096));
    assert.equal(finds.length, inFile.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed UTF-8 and stray bytes: the same finds whatever the chunking', () => {
  let seed = 4711;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const pieces = [Buffer.from('4242424242424242'), Buffer.from('4242\n4242\n4242\n4242'), Buffer.from(fw('4242、4242')), Buffer.from([0xef]), Buffer.from([0xe3, 0x80]), Buffer.from([0xe9]), Buffer.from([0x80]), Buffer.from([0xf0, 0x9d]), Buffer.from(' '), Buffer.from('4')];
  for (let round = 0; round < 300; round++) {
    const bytes = Buffer.concat(Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => pieces[Math.floor(rnd() * pieces.length)]!));
    const whole = scanInChunks(bytes, []);
    assert.deepEqual(scanInChunks(bytes, Array.from({ length: bytes.length }, (_, i) => i)), whole, bytes.toString('hex'));
  }
});

test('the pre-filter bytes cover every character the shape definition accepts, in every plane', () => {
  const inRun = shapeBytes().inRun;
  for (let cp = 0x80; cp < 0x30000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (charClass(cp) === charClass(0x41)) continue; // OTHER
    for (const b of Buffer.from(String.fromCodePoint(cp))) assert.equal(inRun[b], 1, `U+${cp.toString(16)} byte ${b.toString(16)}`);
  }
});
