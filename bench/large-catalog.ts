// npm run bench:catalog: a catalog of 100,000 products (300,000 variants) on PostgreSQL, generated in
// SQL from a small Japanese word list and indexed for search by the store's own start step. Reports, in
// the same run as the baseline (bare Fastify + 1 SELECT, bench/baseline.ts): search with varied terms
// (every request a cache miss), a first and a deep listing page (keyset cursors, each request a miss),
// and the product page; req/s, p50, p99 and the ratio to the baseline.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { dropDatabase, resetDatabase, startNode, waitFor } from './support.ts';
import autocannon from 'autocannon';
import pg from 'pg';
import { encodeCursor } from '../src/catalog/cursor.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const duration = Number(process.env.BENCH_DURATION ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const storePort = Number(process.env.BENCH_PORT ?? 3911);
const baselinePort = storePort + 1;
const dbName = process.env.BENCH_DB_NAME ?? 'omamori_bench_catalog';

// Small word lists: 20 origins x 15 roasts/styles x 15 kinds = 4,500 name patterns, each numbered.
const origins = [['エチオピア', 'Ethiopia'], ['ケニア', 'Kenya'], ['グアテマラ', 'Guatemala'], ['コロンビア', 'Colombia'], ['ブラジル', 'Brazil'], ['ルワンダ', 'Rwanda'], ['パナマ', 'Panama'], ['コスタリカ', 'Costa Rica'], ['インドネシア', 'Indonesia'], ['タンザニア', 'Tanzania'], ['ホンジュラス', 'Honduras'], ['ペルー', 'Peru'], ['メキシコ', 'Mexico'], ['エルサルバドル', 'El Salvador'], ['ニカラグア', 'Nicaragua'], ['ブルンジ', 'Burundi'], ['イエメン', 'Yemen'], ['ハワイ', 'Hawaii'], ['ジャマイカ', 'Jamaica'], ['八女', 'Yame']];
const styles = [['深煎り', 'dark roast'], ['浅煎り', 'light roast'], ['中煎り', 'medium roast'], ['中深煎り', 'medium-dark'], ['水出し', 'cold brew'], ['有機', 'organic'], ['限定', 'limited'], ['季節の', 'seasonal'], ['手摘み', 'hand-picked'], ['ナチュラル', 'natural'], ['ウォッシュト', 'washed'], ['ハニー', 'honey'], ['特選', 'select'], ['定番', 'classic'], ['贈答用', 'gift']];
const kinds = [['ブレンド', 'blend'], ['コーヒー豆', 'coffee beans'], ['ドリップバッグ', 'drip bags'], ['カフェオレベース', 'café au lait base'], ['マグカップ', 'mug'], ['ドリッパー', 'dripper'], ['キャニスター', 'canister'], ['フィナンシェ', 'financier'], ['クッキー', 'cookies'], ['煎茶', 'sencha'], ['ほうじ茶', 'hojicha'], ['紅茶', 'black tea'], ['ギフトセット', 'gift set'], ['コーヒーミル', 'coffee grinder'], ['ゼリー', 'jelly']];
const descriptions = ['香ばしい香りとやわらかな甘さ。毎日の一杯に。', '華やかな香りと明るい酸味が広がります。', 'ミルクと合わせてもおいしい、しっかりしたコク。', '職人が一つずつ仕上げました。贈り物にもどうぞ。', '柑橘のような後味がすっきりと残ります。'];
const categories = [['coffee-beans', 'コーヒー豆', 'Coffee beans'], ['drip-bags', 'ドリップバッグ', 'Drip bags'], ['tea', 'お茶', 'Tea'], ['sweets', '焼き菓子・スイーツ', 'Sweets'], ['mugs', 'マグカップ', 'Mugs'], ['drippers-tools', 'ドリッパー・器具', 'Drippers & tools'], ['gifts', 'ギフト', 'Gift sets']];

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;


async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** Each request gets its own path (a cache miss) and its own client network (the per-network search rate is not what is measured). */
async function load(name: string, base: string, path: () => string) {
  const opts: autocannon.Options = {
    url: base,
    connections,
    requests: [{ setupRequest: (req) => ({ ...req, path: path(), headers: { ...req.headers, 'x-forwarded-for': `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}` } }) }],
  };
  await autocannon({ ...opts, duration: 2 });
  const r = await autocannon({ ...opts, duration });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r['4xx'] + r['5xx'] + r.errors + r.timeouts, total: r.requests.total };
}

async function generate(db: pg.Client): Promise<void> {
  const arr = (xs: string[]) => `array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;
  await db.query('begin');
  for (const [i, [slug, ja, en]] of categories.entries()) await db.query('insert into category (slug, name_ja, name_en, position) values ($1, $2, $3, $4)', [slug, ja, en, i]);
  // Every product is new, so search_text starts null: the store's start step indexes them all.
  await db.query(`
    insert into product (slug, category_id, name_ja, name_en, description_ja, description_en, tax_class, published, position)
    select 'p-' || i,
      (select id from category order by position offset (i % ${categories.length}) limit 1),
      (${arr(origins.map((o) => o[0]!))})[1 + i % ${origins.length}] || ' ' || (${arr(styles.map((s) => s[0]!))})[1 + (i / ${origins.length}) % ${styles.length}] || (${arr(kinds.map((k) => k[0]!))})[1 + (i / ${origins.length * styles.length}) % ${kinds.length}] || ' No.' || i,
      (${arr(origins.map((o) => o[1]!))})[1 + i % ${origins.length}] || ' ' || (${arr(styles.map((s) => s[1]!))})[1 + (i / ${origins.length}) % ${styles.length}] || ' ' || (${arr(kinds.map((k) => k[1]!))})[1 + (i / ${origins.length * styles.length}) % ${kinds.length}] || ' No.' || i,
      (${arr(descriptions)})[1 + i % ${descriptions.length}],
      'Made with care. Item ' || i || '.',
      case when i % 3 = 0 then 'standard' else 'reduced' end, true, i
    from generate_series(1, ${productCount}) i`);
  // The per-row "mark stale" trigger is pointless here (every product is already stale).
  await db.query('alter table variant disable trigger variant_search_stale');
  await db.query(`
    insert into variant (product_id, sku, name_ja, name_en, price, stock, jan_code, position)
    select p.id, 'SKU-' || p.id || '-' || g, (array['200g', '500g', '1kg'])[g], (array['200 g', '500 g', '1 kg'])[g],
      800 + (p.id % 40) * 100 + g * 300, (p.id * 7 + g) % 50, case when g = 1 then '4580' || lpad(p.id::text, 9, '0') end, g
    from product p, generate_series(1, 3) g`);
  await db.query('alter table variant enable trigger variant_search_stale');
  await db.query('commit');
  await db.query('analyze');
}

const t0 = performance.now();
const databaseUrl = await resetDatabase(serverUrl, dbName);
const storeEnv = {
  DATABASE_URL: databaseUrl, PORT: String(storePort), SEED_DEMO: '0', NODE_ENV: 'production', LOG_LEVEL: 'warn', TRUST_PROXY: 'true',
  PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_bench_unused', STRIPE_WEBHOOK_SECRET: 'whsec_bench_unused', DATA_DIR: `/tmp/omamori-bench-catalog-${storePort}`,
};
spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
// First start: migrations only.
let store = startNode(['dist/main.js'], storeEnv);
await waitFor(`http://127.0.0.1:${storePort}/healthz`, 60_000);
await stop(store);

const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const tGen = performance.now();
await generate(db);
const genMs = performance.now() - tGen;

// Second start: the start step indexes the 100,000 new products for search.
const tIndex = performance.now();
store = startNode(['dist/main.js'], storeEnv);
await waitFor(`http://127.0.0.1:${storePort}/healthz`, 60_000);
for (;;) {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from product where search_text is null');
  if (rows[0]!.n === 0) break;
  await new Promise((r) => setTimeout(r, 250));
}
const indexMs = performance.now() - tIndex;
// What autovacuum does soon after a bulk load: merges the GIN pending lists and refreshes statistics.
await db.query('vacuum analyze product, variant');
const { rows: positions } = await db.query<{ position: number; id: number }>('select position, id from product order by position, id');
const { rows: sizeRows } = await db.query<{ size: string }>(`select pg_size_pretty(pg_total_relation_size('product')) as size`);
await db.end();

const baseline = startNode(['--import', 'tsx', 'bench/baseline.ts'], { DATABASE_URL: databaseUrl, PORT: String(baselinePort) });
await waitFor(`http://127.0.0.1:${baselinePort}/baseline/1`);
const base = `http://127.0.0.1:${storePort}`;

const searchPath = () => {
  // Three words a shopper might type (4,500 combinations, about 22 products each), in any order (27,000 cache
  // keys against a cache of 500, so nearly every request is a miss), in either script and width.
  const words = [pick(origins)[0]!, pick(styles)[0]!, pick(kinds)[0]!].sort(() => Math.random() - 0.5);
  const q = Math.random() < 0.5 ? words.join(' ') : words.join(' ').replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
  return `/products?q=${encodeURIComponent(q)}`;
};
const cursorPath = (from: number, to: number) => () => {
  const row = positions[from + Math.floor(Math.random() * (to - from))]!;
  return `/products?cursor=${encodeCursor({ dir: 'after', position: row.position, id: row.id })}`;
};
const n = positions.length;

const results = [];
results.push(await load('baseline: bare Fastify + 1 SELECT', `http://127.0.0.1:${baselinePort}`, () => `/baseline/${1 + Math.floor(Math.random() * n)}`));
results.push(await load('search, varied terms   GET /products?q=…', base, searchPath));
results.push(await load('first listing pages    GET /products?cursor=…', base, cursorPath(0, 1000)));
// What a search page costs without its statement (one query, answered from the cache): the rest of the request.
results.push(await load('search, one query (cache hit)  GET /products?q=…', base, () => `/products?q=${encodeURIComponent('ケニア 深煎り ブレンド')}`));
results.push(await load('deep listing pages     GET /products?cursor=…', base, cursorPath(n - 2000, n - 13)));
results.push(await load('product page           GET /p/…', base, () => `/p/p-${1 + Math.floor(Math.random() * n)}`));

// The per-network search rate: one network searching flat out is refused after its allowance.
// A browser's headers: autocannon's bare requests from one address are what the attack-request detector
// (issue 12) bans with 403 after 5, before the search rate is reached.
const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', accept: 'text/html,application/xhtml+xml', 'accept-language': 'ja' };
const single = await autocannon({ url: `${base}/products?q=${encodeURIComponent('ケニア 深煎り')}`, connections: 5, amount: 300, headers: { ...browser, 'x-forwarded-for': '192.0.2.7' } });
await stop(store);
await stop(baseline);
if (!process.env.BENCH_KEEP) await dropDatabase(serverUrl, dbName);

const baselineRps = results[0]!.rps;
console.log(`\nomamori large catalog — ${n.toLocaleString('en')} products (${(n * 3).toLocaleString('en')} variants, product table ${sizeRows[0]!.size}), ${connections} connections, ${duration} s per route, PostgreSQL\n`);
console.log(`generated in ${(genMs / 1000).toFixed(1)} s; search index built by the start step in ${(indexMs / 1000).toFixed(1)} s\n`);
console.log('route'.padEnd(48) + 'req/s'.padStart(9) + 'p50 ms'.padStart(8) + 'p99 ms'.padStart(8) + 'ratio'.padStart(8) + '   failed');
for (const [i, r] of results.entries()) {
  console.log(r.name.padEnd(48) + r.rps.toFixed(0).padStart(9) + String(r.p50).padStart(8) + String(r.p99).padStart(8) + (i === 0 ? '1.00' : (r.rps / baselineRps).toFixed(2)).padStart(8) + `   ${r.bad}/${r.total}`);
}
const search = results[1]!;
const first = results[2]!;
const deep = results[4]!;
const searchOk = search.rps / baselineRps >= 0.2 && search.p99 < 100;
const deepOk = deep.rps >= first.rps * 0.8 && deep.p99 <= Math.max(first.p99 * 1.2, first.p99 + 2);
console.log(`\nsearch: ratio ${(search.rps / baselineRps).toFixed(2)} (target ≥ 0.20), p99 ${search.p99} ms (target < 100): ${searchOk ? 'ok' : 'MISSED'}`);
console.log(`deep page vs first: ${((deep.rps / first.rps) * 100).toFixed(0)} % of its req/s, p99 ${deep.p99} vs ${first.p99} ms (target within 20 %): ${deepOk ? 'ok' : 'MISSED'}`);
const byStatus = Object.entries(single.statusCodeStats ?? {}).map(([code, v]) => `${(v as { count: number }).count} × ${code}`).join(', ');
console.log(`search rate per network: 300 searches from one address → ${single['2xx']} answered (${byStatus}; 429 is the search rate, 403 a ban)`);
console.log(`total run ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exit(0);
