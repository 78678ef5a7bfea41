// npm run bench:incident: the incident console at scale on PostgreSQL (issue 13). Generates customers and orders in
// a database of its own (ciphertext-shaped placeholders: scoping reads ids and flags only, never a personal column),
// then times a card-only scope over a 90-day window and reports the peak RSS of this process; then times letter PDFs.
// BENCH_INCIDENT_CUSTOMERS (default 1,000,000), BENCH_INCIDENT_ORDERS (2,000,000), BENCH_INCIDENT_LETTERS (10,000),
// BENCH_INCIDENT_MAILS (100,000; 0 skips the campaign case, see bench/incident-notify.ts).
import { sql } from 'kysely';
import { loadConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { runScope } from '../src/incidents/scope.ts';
import { incidentDb } from '../src/incidents/tables.ts';
import { dropDatabase, resetDatabase } from './support.ts';
import { benchLetters, benchNotify } from './incident-notify.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const customers = Number(process.env.BENCH_INCIDENT_CUSTOMERS ?? 1_000_000);
const orders = Number(process.env.BENCH_INCIDENT_ORDERS ?? 2_000_000);
const letters = Number(process.env.BENCH_INCIDENT_LETTERS ?? 10_000);
const mails = Number(process.env.BENCH_INCIDENT_MAILS ?? 100_000);
const dbName = 'omamori_bench_incident';

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);

const url = await resetDatabase(serverUrl, dbName);
// Generating the data takes longer than the store's 30 s statement timeout; the scope itself runs in 5,000-row statements.
const handle = await openDatabase(loadConfig({ ...process.env, DATABASE_URL: url, DB_STATEMENT_TIMEOUT_MS: '0' }));
try {
  await migrate(handle);
  const db = handle.db;
  let t0 = Date.now();
  await sql`insert into customer (email, password_hash, name, created_at, updated_at)
    select 'v1:bench:' || g, 'x', 'v1:bench', now() - (g % 1000) * interval '1 day', now() from generate_series(1, ${customers}) g`.execute(db);
  await sql`insert into orders (number, status, customer_id, access_token_hash, idempotency_key, email, locale, ship_name, ship_name_kana, ship_postal_code, ship_prefecture,
      ship_city, ship_line1, ship_line2, ship_phone, shipping_method, shipping_fee, payment_method, payment_fee, items_total, total, taxable_10, tax_10, taxable_8, tax_8, placed_at, updated_at)
    select 'B' || g, 'paid', case when g % 3 = 0 then null else 1 + (g % ${customers}) end, case when g % 3 = 0 then md5(g::text) else null end, md5('k' || g), 'v1:bench', 'ja', 'v1', 'v1', 'v1', '東京都',
      'v1', 'v1', 'v1', 'v1', 'standard', 800, case when g % 2 = 0 then 'card' else 'bank_transfer' end, 0, 3300, 4100, 2980, 270, 1120, 82, now() - (g % 730) * interval '1 day', now()
    from generate_series(1, ${orders}) g`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`generated ${customers} customers and ${orders} orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { id: staffId } = await db.insertInto('staff').values({ email: 'owner@bench', name: 'owner', password_hash: 'x', role: 'owner' }).returning('id').executeTakeFirstOrThrow();
  const idb = incidentDb(db);
  const { id } = await idb.insertInto('incident').values({ title: 'bench', severity: 'critical', kind: 'card_skimming', known_at: new Date(), declared_by: staffId, window_from: new Date(), window_to: new Date() }).returning('id').executeTakeFirstOrThrow();
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  peakRss = process.memoryUsage().rss;
  t0 = Date.now();
  const r = await runScope(idb, id, { from, to, cardOnly: true, includeCustomers: true }, staffId);
  const scopeS = (Date.now() - t0) / 1000;
  const scopeBudget = (60 * orders) / 2_000_000; // 1 minute for 1,000,000 customers and 2,000,000 orders
  console.log(`scope (card orders in 90 days + customers registered or signed in then): ${r.total} people (${r.cardPeople} by card) in ${scopeS.toFixed(1)} s; peak RSS ${mib(peakRss)} MiB; budget ${scopeBudget.toFixed(0)} s: ratio ${(scopeS / scopeBudget).toFixed(2)}${scopeS <= scopeBudget ? '  ok' : '  MISSED'}`);
} finally {
  await handle.close();
  await dropDatabase(serverUrl, dbName);
}

peakRss = process.memoryUsage().rss;
await benchLetters(letters);
console.log(`letters: peak RSS ${mib(peakRss)} MiB`);
if (mails > 0) await benchNotify(serverUrl, mails, Number(process.env.BENCH_INCIDENT_SMTP_PORT ?? 3904));
clearInterval(sampler);
