// Measures one search statement on an existing catalog database (e.g. bench:catalog with BENCH_KEEP=1):
// node --import tsx bench/search-explain.ts 'ケニア 深煎り ブレンド' [more queries…]
// Prints the PostgreSQL backend's CPU time per search over CPU_RUNS runs (PostgreSQL on this machine), the
// minimum and median execution and planning time of EXPLAIN ANALYZE over REPEAT runs, and with PLAN=1 the plan.
import { Kysely, PostgresDialect } from 'kysely';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { loadSearch as currentSearch } from '../src/catalog/product-list.ts';

// SEARCH_MODULE: another version of product-list.ts to compare (a path relative to this file).
const loadSearch: typeof currentSearch = process.env.SEARCH_MODULE ? (await import(process.env.SEARCH_MODULE)).loadSearch : currentSearch;

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/omamori_bench_catalog';
const repeat = Number(process.env.REPEAT ?? 20);
const pool = new pg.Pool({ connectionString: url, max: 1 });
const captured: { sql: string; params: readonly unknown[] }[] = [];
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (e) => { if (e.level === 'query') captured.push({ sql: e.query.sql, params: e.query.parameters }); } });
const search = { db, kind: 'postgres' as const, close: async () => {} };
const ms = (plan: string, label: string) => Number(new RegExp(`${label}: ([\\d.]+) ms`).exec(plan)?.[1] ?? NaN);
for (const [index, keyword] of process.argv.slice(2).entries()) {
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
  // PostgreSQL CPU time of the statement (the backend's utime + stime from /proc, in clock ticks of
  // 10 ms, so over many runs): unlike wall time, other processes' load does not inflate it.
  const client = await pool.connect();
  const pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number;
  // PLAN_MODE=force_custom_plan or force_generic_plan: which plans the runs use (default: PostgreSQL's choice).
  if (process.env.PLAN_MODE) await client.query(`set plan_cache_mode = ${process.env.PLAN_MODE === 'force_generic_plan' ? 'force_generic_plan' : 'force_custom_plan'}`);
  const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
  const runs = Number(process.env.CPU_RUNS ?? 200);
  const c0 = cpu();
  // Named, as the store's search connections run it (search-db.ts): after five runs, a generic plan.
  for (let i = 0; i < runs; i++) await client.query({ name: `search_explain_${index}`, text: q.sql, values: q.params as unknown[] });
  const cpuMs = (cpu() - c0) / runs;
  if (process.env.PLAN_MODE) await client.query('reset plan_cache_mode');
  client.release();
  const stat = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `min ${s[0]!.toFixed(2)} median ${s[Math.floor(s.length / 2)]!.toFixed(2)}`; };
  console.log(`${keyword}: ${found.total}${found.totalCapped ? '+' : ''} matches; PostgreSQL CPU ${cpuMs.toFixed(2)} ms a search (${runs} runs); EXPLAIN ANALYZE execution ${stat(exec)} ms, planning ${stat(plan)} ms`);
  if (process.env.PLAN) console.log(text);
}
await db.destroy();
