// npm run bench:pan: writes a 100 MB mixed text file (log lines, JSON, Japanese text, numbers of every
// kind, and a known handful of public test card numbers in different spellings) to a temp folder,
// then times omamori's card-number scanner and `grep -P -c` with a comparable pattern over the same
// file, several times each, and prints MB/s for both, the ratio and whether the scanner found exactly
// the planted cards. BENCH_PAN_MB (default 100) and BENCH_PAN_REPEAT (default 5) change the size and
// repetitions; BENCH_PAN_KEEP=1 keeps the file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFileBytes } from '../src/platform/card-numbers/files.ts';
import { luhn } from '../src/platform/card-numbers/card-numbers.ts';

const targetMb = Number(process.env.BENCH_PAN_MB ?? 100);
const repeat = Number(process.env.BENCH_PAN_REPEAT ?? 5);
const GREP_PATTERN = '(?:\\d[ -.]?){12,18}\\d';

// Public test numbers (Stripe / PAY.JP sandbox documentation, /work/shared/corpora/test-cards.json).
const TEST_CARDS = [
  '4242424242424242', // Visa
  '5555555555554444', // Mastercard
  '2223003122003222', // Mastercard 2-series
  '378282246310005', // Amex
  '3566002020360505', // JCB
  '3530111333300000', // JCB
  '38520000023237', // Diners (14)
  '6011111111111117', // Discover
  '6205500000000000004', // UnionPay (19)
  '4012888888881881', // Visa
];

let seed = 0x5eed1234;
function rnd(): number {
  // mulberry32: deterministic, so every run writes the same file
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
const digits = (n: number) => Array.from({ length: n }, () => int(10)).join('');
const hex = (n: number) => 'abcdef'[int(6)] + Array.from({ length: n - 1 }, () => '0123456789abcdef'[int(16)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3).slice(1)}${'abcdef'[int(6)]}-${'ab'[int(2)]}${hex(3)}-${hex(12)}`;
/** A brand-prefixed number of card length that fails the Luhn check. */
function luhnInvalidCardLike(): string {
  let s = pick(['4', '51', '55', '35', '6011', '37', '62']) + digits(20);
  s = s.slice(0, s.startsWith('37') ? 15 : 16);
  if (luhn(s)) s = s.slice(0, -1) + String((Number(s.at(-1)) + 1) % 10);
  return s;
}
/** A Luhn-valid 16-digit number with no card-brand prefix (1, 7, 8, 9). */
function luhnValidNonBrand(): string {
  const body = pick(['1', '7', '8', '9']) + digits(14);
  for (let d = 0; d < 10; d++) if (luhn(body + d)) return body + d;
  return body + '0';
}
/** A JAN (EAN-13) code: real ones always carry a valid check digit (a 13-digit Luhn-valid Visa-like number that is not one is reported, as the guard refuses it). */
function jan(prefix: string): string {
  const body = prefix + digits(10);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}
const fullWidth = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0xff10 + Number(c)));
const groups = (s: string, sep: string) => s.replace(/(\d{4})(?=\d)/g, `$1${sep}`);

const words = ['コーヒー豆', '深煎り', 'エチオピア', 'ドリップバッグ', 'ご注文ありがとうございます', '発送しました', '東京都渋谷区神宮前', '大阪府大阪市北区梅田', '山田 太郎', '佐藤 花子', '在庫わずか', '送料無料', '代金引換', '銀行振込', '税込', '軽減税率'];
const paths = ['/products', '/p/ethiopia-yirgacheffe', '/cart/items', '/checkout/review', '/api/store/products?per_page=20', '/admin/orders', '/static/css/store.css'];

let t0 = 1_795_000_000_000;
function noiseLine(): string {
  t0 += int(500);
  switch (int(9)) {
    case 0:
    case 1:
      return JSON.stringify({ level: 30, time: t0, pid: 4000 + int(999), hostname: `web-${int(4)}`, reqId: `req-${int(99999).toString(36)}`, req: { method: pick(['GET', 'POST']), url: pick(paths), remoteAddress: `192.168.${int(255)}.${int(255)}` }, res: { statusCode: pick([200, 200, 303, 404, 422]) }, responseTime: Math.round(rnd() * 50_000) / 1000, msg: 'request completed' });
    case 2:
      return JSON.stringify({ order_no: `2026${String(1 + int(12)).padStart(2, '0')}${String(1 + int(28)).padStart(2, '0')}-${digits(6)}`, total: 1000 + int(50000), postal: `${digits(3)}-${digits(4)}`, phone: `0${pick(['90', '80', '70', '3', '6'])}-${digits(4)}-${digits(4)}`, jan: jan('49'), customer: pick(words.slice(8, 10)), items: [{ sku: `SKU-${digits(5)}`, qty: 1 + int(5), price: 500 + int(5000) }] });
    case 3:
      return `${pick(words)}、${pick(words)}。合計${fullWidth(String(1000 + int(90000)))}円（${pick(words)}）〒${fullWidth(digits(3))}－${fullWidth(digits(4))} ${pick(words)} ${new Date(t0).toISOString()}`;
    case 4:
      return `${new Date(t0).toISOString()} INFO session=${hex(64)} id=${uuid()} latency_ms=${int(900)} bytes=${int(1_000_000)} ratio=${rnd().toFixed(6)}`;
    case 5:
      return `192.168.${int(255)}.${int(255)} - - [21/Nov/2026:10:${String(int(60)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')} +0900] "GET ${pick(paths)} HTTP/1.1" ${pick([200, 304, 404])} ${int(90000)} "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"`;
    case 6:
      // numbers of all kinds that must not be reported
      return `ids: ${digits(12)} ${digits(20)} ${luhnValidNonBrand()} ${luhnInvalidCardLike()} ${digits(8)}-${digits(4)} tracking ${digits(4)} ${digits(4)} ${digits(4)} jan ${jan('45')} epoch ${t0} amount ${int(100000)}.${digits(2)}`;
    case 7:
      return `INSERT INTO audit VALUES (${int(1e6)}, '${uuid()}', '${new Date(t0).toISOString()}', ${rnd().toFixed(4)}, 'ok');`;
    default:
      return `The quick brown fox jumps over the lazy dog; ${pick(words)} / ${pick(words)} — 注文番号 ${digits(10)} を確認しました。`;
  }
}

/** Ways a card number turns up where it should not; each returns the line and the number as spelled in it. */
const plantings: Array<(card: string) => [string, string]> = [
  (c) => [JSON.stringify({ level: 40, time: t0, msg: 'payment note', note: `card ${c}` }), c],
  (c) => [`${new Date(t0).toISOString()} WARN customer wrote "${groups(c, ' ')}" in the address field`, groups(c, ' ')],
  (c) => [`お客様メモ：カード番号${fullWidth(c)}でお願いします`, fullWidth(c)],
  (c) => [`backup row: 1234\t山田\t${groups(c, '-')}\t12/28`, groups(c, '-')],
  (c) => [`電話 ${groups(fullWidth(c), '　')} まで`, groups(fullWidth(c), '　')],
];

function generate(file: string): Array<{ offset: number; masked: string }> {
  const target = targetMb * 1_000_000;
  const expected: Array<{ offset: number; masked: string }> = [];
  const plantEvery = Math.floor(target / (TEST_CARDS.length + 1));
  const parts: string[] = [];
  let bytes = 0;
  let nextPlant = plantEvery;
  let planted = 0;
  while (bytes < target) {
    let line: string;
    if (bytes >= nextPlant && planted < TEST_CARDS.length) {
      const card = TEST_CARDS[planted]!;
      const [text, spelling] = plantings[planted % plantings.length]!(card);
      line = text;
      expected.push({ offset: bytes + Buffer.byteLength(line.slice(0, line.indexOf(spelling))), masked: card.slice(0, 6) + '*'.repeat(card.length - 10) + card.slice(-4) });
      planted++;
      nextPlant += plantEvery;
    } else line = noiseLine();
    line += '\n';
    parts.push(line);
    bytes += Buffer.byteLength(line);
  }
  writeFileSync(file, parts.join(''));
  return expected;
}

/** CPU time (ms) of this process's finished children (grep), from /proc/self/stat (10 ms ticks). */
function childCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return NaN;
  }
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'omamori-pan-bench-'));
const file = join(dir, 'mixed.txt');
try {
  process.stdout.write(`generating ${targetMb} MB of mixed text… `);
  const expected = generate(file);
  const size = statSync(file).size;
  const mb = size / 1_000_000;
  console.log(`${mb.toFixed(1)} MB, ${expected.length} planted test cards`);

  const grepRuns: number[] = [];
  const scanRuns: number[] = [];
  const grepCpu: number[] = [];
  const scanCpu: number[] = [];
  let grepCount = '';
  let found: Array<{ offset: number; masked: string }> = [];
  // warm the page cache and the JIT once, then alternate the two tools
  spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] });
  await scanFileBytes(file);
  for (let r = 0; r < repeat; r++) {
    let t = performance.now();
    const c0 = childCpuMs();
    const g = spawnSync('grep', ['-P', '-c', GREP_PATTERN, file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    grepRuns.push(performance.now() - t);
    grepCpu.push(childCpuMs() - c0);
    if (g.status !== 0 && g.status !== 1) throw new Error(`grep failed: ${g.stderr}`);
    grepCount = g.stdout.trim();
    t = performance.now();
    const u0 = process.cpuUsage();
    const res = await scanFileBytes(file);
    scanRuns.push(performance.now() - t);
    const u = process.cpuUsage(u0);
    scanCpu.push((u.user + u.system) / 1000);
    found = res.finds.map((f) => ({ offset: f.offset, masked: f.masked }));
  }
  const exact = found.length === expected.length && found.every((f, i) => f.offset === expected[i]!.offset && f.masked === expected[i]!.masked);
  const grepMbs = mb / (median(grepRuns) / 1000);
  const scanMbs = mb / (median(scanRuns) / 1000);
  const grepCpuMbs = mb / (median(grepCpu) / 1000);
  const scanCpuMbs = mb / (median(scanCpu) / 1000);
  console.log(`\ncard-number scan benchmark — ${mb.toFixed(1)} MB, ${repeat} runs each, median (best); both single-threaded\n`);
  console.log(''.padEnd(54) + 'wall MB/s'.padStart(16) + 'CPU MB/s'.padStart(12));
  console.log(`grep -P -c '${GREP_PATTERN}' (LC_ALL=C)`.padEnd(54) + `${grepMbs.toFixed(0)} (${(mb / (Math.min(...grepRuns) / 1000)).toFixed(0)})`.padStart(16) + grepCpuMbs.toFixed(0).padStart(12) + `   ${grepCount} matching lines, no Luhn/brand check`);
  console.log(`omamori scanner (bytes, brand + Luhn)`.padEnd(54) + `${scanMbs.toFixed(0)} (${(mb / (Math.min(...scanRuns) / 1000)).toFixed(0)})`.padStart(16) + scanCpuMbs.toFixed(0).padStart(12) + `   ${found.length} finds`);
  console.log(`\nratio scanner/grep: wall ${(scanMbs / grepMbs).toFixed(2)}, CPU ${(scanCpuMbs / grepCpuMbs).toFixed(2)} (target ≥ 1.00 ${scanMbs >= grepMbs ? 'ok' : 'MISSED'})`);
  console.log('(CPU time is the steadier figure on a busy machine; grep CPU comes from 10 ms kernel ticks.)');
  console.log(`found exactly the ${expected.length} planted cards: ${exact ? 'yes' : 'NO'}`);
  if (!exact) {
    console.log('expected:', expected);
    console.log('found:   ', found);
  }
  process.exitCode = exact && scanMbs >= grepMbs ? 0 : 1;
} finally {
  if (process.env.BENCH_PAN_KEEP === '1') console.log(`file kept: ${file}`);
  else rmSync(dir, { recursive: true, force: true });
}
