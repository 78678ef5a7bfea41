import pg from 'pg';
import { openSearchDb } from './src/catalog/search-db.ts';
import { loadSearch } from './src/catalog/product-list.ts';
const url = 'postgres://postgres@127.0.0.1:5432/omamori_bench_catalog';
const orig = pg.Client.prototype.query;
let cap: any;
(pg.Client.prototype as any).query = function (this: any, ...a: any[]) { if (typeof a[0] === 'object' && a[0]?.text) cap = a[0]; return (orig as any).apply(this, a); };
const sdb = openSearchDb({ kind: 'postgres', db: undefined as never, databaseUrl: url, poolSize: 1, acquireTimeoutMs: 5000 });
await loadSearch(sdb, sdb.db, { locale: 'ja', keyword: process.argv[2] ?? 'エチオピア 深煎り ブレンド', perPage: 24 });
const c = new pg.Client(url); await c.connect();
await c.query(`prepare x as ${cap.text}`);
for (let i = 0; i < 8; i++) {
  const r = await c.query(`explain (analyze, buffers) execute x(${cap.values.map((v: any) => Array.isArray(v) ? `array[${v.map((x: string) => `'${x}'`).join(',')}]::text[]` : typeof v === 'string' ? `'${v}'` : v).join(',')})`);
  const lines = r.rows.map((x: any) => x['QUERY PLAN']);
  console.log(lines.filter((l: string) => /Planning Time|Execution Time/.test(l)).join(' | '));
  if (i === 7) console.log(lines.join('\n'));
}
await c.end(); await sdb.close();
