// Measures one search statement on an existing catalog database (e.g. bench:catalog with BENCH_KEEP=1):
// node --import tsx bench/search-explain.ts 'ケニア 深煎り ブレンド' [more queries…]
// Prints the minimum and median execution and planning time of EXPLAIN ANALYZE over REPEAT runs (the
// minimum is what the statement costs when the machine is not busy elsewhere), and with PLAN=1 the plan.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadSearch } from '../src/catalog/product-list.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omamori_bench_catalog';
const repeat = Number(process.env.REPEAT ?? 20);
const pool = new pg.Pool({ connectionString: url, max: 1 });
const captured: { sql: string; params: readonly unknown[] }[] = [];
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (e) => { if (e.level === 'query') captured.push({ sql: e.query.sql, params: e.query.parameters }); } });
const search = { db, kind: 'postgres' as const, close: async () => {} };
const ms = (plan: string, label: string) => Number(new RegExp(`${label}: ([\\d.]+) ms`).exec(plan)?.[1] ?? NaN);
for (const keyword of process.argv.slice(2)) {
  captured.length = 0;
  const found = await loadSearch(search as never, db as never, { locale: 'ja', keyword, perPage: 24 });
  const q = captured.find((c) => /with p as/.test(c.sql))!;
  const exec: number[] = [];
  const plan: number[] = [];
  let text = '';
  for (let i = 0; i < repeat; i++) {
    const r = await pool.query(`explain (analyze, buffers) ${q.sql}`, q.params as unknown[]);
    text = r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n');
    exec.push(ms(text, 'Execution Time'));
    plan.push(ms(text, 'Planning Time'));
  }
  const stat = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `min ${s[0]!.toFixed(2)} median ${s[Math.floor(s.length / 2)]!.toFixed(2)}`; };
  console.log(`${keyword}: ${found.total}${found.totalCapped ? '+' : ''} matches; execution ${stat(exec)} ms; planning ${stat(plan)} ms`);
  if (process.env.PLAN) console.log(text);
}
await db.destroy();
