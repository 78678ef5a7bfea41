// deploy/scan/run's orchestrator, run inside a network namespace holding only loopback (see ./run): starts a fresh
// store with the canary routes (./canary-store.ts) and runs sqlmap, wapiti and nmap against it. Prints one line per
// check and a summary, writes $SCAN_WORK/report.json; exit code 1 when a scanner finds a hole or a canary is missed.
// SCAN_DEPTH (README "Outside scanners"): `ci` (default) sqlmap --level=2 --risk=1, boolean and error-based, each
// target time-boxed to 45 s, to keep CI within about 4 minutes; `full` --level=3 --risk=2; `release` --level=5
// --risk=3 with every technique, for a longer run before each release.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { canaryPrefix, extractForms, findingsOutsideCanary, openPorts, sqlmapInjectable, type FormTarget } from './parse.ts';

const root = resolve(import.meta.dirname, '../..');
const work = process.env.SCAN_WORK!;
const depth = process.env.SCAN_DEPTH === 'release' || process.env.SCAN_DEPTH === 'full' ? process.env.SCAN_DEPTH : 'ci';
const release = depth === 'release';
const level = release ? ['--level=5', '--risk=3'] : depth === 'full' ? ['--level=3', '--risk=2'] : ['--level=2', '--risk=1'];
const ports = { store: 8080, admin: 8081, gateway: 8082, komoju: 8083 };
const base = `http://127.0.0.1:${ports.store}`;
const report: Record<string, unknown> = { depth };
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

function run(cmd: string, args: string[], opts: { timeoutMs: number; log: string }): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: join(work, 'home') } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      writeFileSync(opts.log, out);
      done({ code, out });
    });
  });
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => { while (next < items.length) await fn(items[next++]!); }));
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

// --- the store ----------------------------------------------------------------------------------------------------
let store: ChildProcess | null = null;
async function startStore() {
  const log = join(work, 'logs/store.log');
  store = spawn('node', ['--import', 'tsx', join(root, 'deploy/scan/canary-store.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: join(work, 'data'), DATABASE_URL: '', REDIS_URL: '', SEED_DEMO: '1',
      HOST: '127.0.0.1', ADMIN_BIND: '127.0.0.1', PORT: String(ports.store), ADMIN_PORT: String(ports.admin),
      SANDBOX_GATEWAY_PORT: String(ports.gateway), KOMOJU_SANDBOX_PORT: String(ports.komoju),
      PUBLIC_URL: base, ADMIN_URL: `http://127.0.0.1:${ports.admin}`,
      // The first start hashes the integrity scope; node_modules and dist are not what the scanners attack.
      INTEGRITY_PATHS: 'src,static',
    },
  });
  for (const s of [store.stdout!, store.stderr!]) s.on('data', (c) => writeFileSync(log, c, { flag: 'a' }));
  const t = Date.now();
  await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 300_000, 'store ready');
  console.log(`store ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

// --- sqlmap targets: every OpenAPI operation, every storefront form, the canary ------------------------------------
interface SqlTarget { name: string; request: string; canary?: boolean }

function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${ports.store}`, `Origin: ${base}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

type Schema = { type?: string; properties?: Record<string, Schema>; example?: unknown; enum?: unknown[]; format?: string; minimum?: number };
/** A plausible value for a JSON body field, with sqlmap's `*` injection mark on strings and numbers. */
function sample(s: Schema | undefined, key: string): unknown {
  if (!s) return '1*';
  if (s.type === 'object') return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v, k)]));
  if (s.type === 'array') return [];
  if (s.type === 'boolean') return true;
  if (s.enum?.length) return `${String(s.enum[0])}*`;
  if (s.type === 'integer' || s.type === 'number') return `${s.minimum && s.minimum > 1 ? s.minimum : 1}*`;
  if (s.format === 'email' || key === 'email') return 'scan@example.test*';
  return 'test*';
}

async function sqlTargets(): Promise<SqlTarget[]> {
  const spec = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> };
  const cart = (await (await fetch(`${base}/api/store/carts`, { method: 'POST' })).json()) as { token: string };
  const product = (await (await fetch(`${base}/api/store/products?per_page=1`)).json()) as { products?: Array<{ slug: string; variants?: Array<{ id: number }> }> };
  const slug = product.products?.[0]?.slug ?? 'tea';
  const targets: SqlTarget[] = [];
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const query: string[] = [];
      const headers: Record<string, string> = { 'X-Cart-Token': cart.token, Accept: 'application/json' };
      let p = path;
      for (const prm of op.parameters ?? []) {
        if (prm.in === 'path') p = p.replace(`{${prm.name}}`, `${prm.name === 'slug' ? slug : '1'}*`);
        else if (prm.in === 'query') query.push(`${prm.name}=${prm.name === 'lang' ? 'ja' : '1'}*`);
        else if (prm.in === 'header' && !/cart-token/i.test(prm.name)) headers[prm.name] = `scan-${Date.now()}*`;
      }
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const body = schema ? JSON.stringify(sample(schema, '')) : undefined;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      targets.push({ name: `${method.toUpperCase()} ${path}`, request: rawRequest(method.toUpperCase(), `${p}${query.length ? `?${query.join('&')}` : ''}`, headers, body) });
    }
  }
  for (const form of await crawlForms()) {
    const fields = form.fields.map((f) => `${encodeURIComponent(f)}=${f === 'next' ? '%2F' : 'test'}*`).join('&');
    targets.push(form.method === 'GET'
      ? { name: `form GET ${form.action}`, request: rawRequest('GET', `${form.action}?${fields}`, {}) }
      : { name: `form POST ${form.action}`, request: rawRequest('POST', form.action, { 'Content-Type': 'application/x-www-form-urlencoded' }, fields) });
  }
  targets.push({ name: `canary GET ${canaryPrefix}fruit`, request: rawRequest('GET', `${canaryPrefix}fruit?id=1`, {}), canary: true });
  return targets;
}

/** The storefront's HTML forms, breadth-first over same-origin links (at most 60 pages). */
async function crawlForms(): Promise<FormTarget[]> {
  const seen = new Set<string>(['/']);
  const queue = ['/', '/account/sign-in', '/account/register', '/cart', '/checkout', '/contact'];
  const forms = new Map<string, FormTarget>();
  for (let i = 0; i < queue.length && i < 60; i++) {
    const res = await fetch(`${base}${queue[i]}`, { redirect: 'manual' }).catch(() => null);
    if (!res || res.status !== 200 || !res.headers.get('content-type')?.includes('text/html')) continue;
    const html = await res.text();
    for (const f of extractForms(html, queue[i]!)) forms.set(`${f.method} ${f.action} ${f.fields.join(',')}`, f);
    for (const m of html.matchAll(/href="(\/[^"#?]*)/g)) {
      const link = m[1]!;
      if (!seen.has(link) && !/\.(css|js|png|jpe?g|svg|webp|ico|woff2?)$/.test(link) && !link.startsWith('/admin')) {
        seen.add(link);
        queue.push(link);
      }
    }
  }
  return [...forms.values()];
}

async function runSqlmap() {
  const targets = await sqlTargets();
  const dir = join(work, 'sqlmap');
  mkdirSync(dir, { recursive: true });
  const results: Array<{ name: string; injectable: string[]; seconds: number; timedOut: boolean }> = [];
  const t0 = Date.now();
  await pool(targets, depth === 'ci' ? 5 : 4, async (t) => {
    const i = targets.indexOf(t);
    const file = join(dir, `req-${i}.txt`);
    writeFileSync(file, t.request);
    const started = Date.now();
    // T3: every parameter marked `*` (query, path, JSON field, form field) is tried with PostgreSQL payloads.
    const res = await run('sqlmap', ['-r', file, '--batch', '--ignore-stdin', '--flush-session', '--dbms=PostgreSQL', ...level, '--threads=4', '--timeout=10', '--retries=1',
      release ? '--technique=BEUST' : depth === 'full' ? '--technique=BEUS' : '--technique=BE', '--ignore-code=401,403,404,409,422,429', '--output-dir', join(dir, `out-${i}`), '--disable-coloring'], { timeoutMs: release ? 1_200_000 : depth === 'full' ? 150_000 : 45_000, log: join(dir, `log-${i}.txt`) });
    results.push({ name: t.name, injectable: sqlmapInjectable(res.out), seconds: (Date.now() - started) / 1000, timedOut: res.code === null });
  });
  const canary = results.find((r) => r.name.startsWith('canary'));
  const holes = results.filter((r) => !r.name.startsWith('canary') && r.injectable.length);
  report.sqlmap = { targets: results.length, seconds: (Date.now() - t0) / 1000, results };
  check(!!canary?.injectable.length, `sqlmap finds the canary's injectable parameter (proves it reaches the app): ${canary?.injectable.join(', ') || 'not found'}`);
  check(holes.length === 0, `sqlmap, ${results.length - 1} operations and forms at ${level.join(' ')}: ${holes.length ? holes.map((h) => `${h.name} [${h.injectable.join(', ')}]`).join('; ') : 'no injectable parameter'} (${((Date.now() - t0) / 1000).toFixed(0)} s${results.some((r) => r.timedOut) ? `, time-boxed: ${results.filter((r) => r.timedOut).map((r) => r.name).join(', ')}` : ''})`);
}

type WapitiJson = { vulnerabilities?: Record<string, Array<{ path: string; parameter?: string }>>; anomalies?: Record<string, Array<{ path: string }>> };

async function wapiti(name: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; parsed: WapitiJson; seconds: number; crawled: number; timeBoxed: string[] }> {
  const file = join(work, `${name}.json`);
  const t0 = Date.now();
  const res = await run('wapiti', [...args, '--flush-session', '-f', 'json', '-o', file, '-v', '1'], { timeoutMs, log: join(work, `logs/${name}.log`) });
  let parsed: WapitiJson = {};
  try { parsed = JSON.parse(readFileSync(file, 'utf8')); } catch { /* reported by the caller */ }
  const crawled = Number(/found (\d+) URLs and forms/.exec(res.out)?.[1] ?? 0);
  const timeBoxed = [...res.out.matchAll(/Max attack time was reached for module (\w+)/g)].map((m) => m[1]!);
  return { ...res, parsed, seconds: (Date.now() - t0) / 1000, crawled, timeBoxed };
}

async function runWapiti() {
  // First the canary page alone: wapiti's XSS module must report it (proves it reaches the app and detects).
  const canary = await wapiti('wapiti-canary', ['-u', `${base}${canaryPrefix}echo?q=hello`, '--scope', 'page', '-m', 'xss', '--max-attack-time', '120'], 180_000);
  const canaryFound = findingsOutsideCanary(canary.parsed).canary;
  check(canaryFound.some((f) => f.category.includes('Cross Site Scripting')), `wapiti finds the canary's reflected XSS (proves it reaches the app): ${canaryFound.map((f) => f.category).join(', ') || `not found (exit ${canary.code}; logs/wapiti-canary.log)`}`);
  // Then the storefront. wapp, ssrf, xxe and nikto need outside hosts (none here); SQL injection is sqlmap's job.
  const modules = 'xss,permanentxss,exec,file,crlf,redirect,htaccess,backup,methods';
  const attack = release ? '600' : depth === 'full' ? '120' : '30';
  const main = await wapiti('wapiti', ['-u', `${base}/`, '--scope', 'folder', '-m', modules, '-d', '2', '--max-links-per-page', '20', '--max-files-per-dir', '10',
    '--max-scan-time', release ? '7200' : '300', '--max-attack-time', attack], release ? 7_500_000 : 420_000);
  const found = findingsOutsideCanary(main.parsed);
  report.wapiti = { exit: main.code, seconds: main.seconds, crawled: main.crawled, timeBoxedModules: main.timeBoxed, ...found, canary: canaryFound };
  check(!!main.parsed.vulnerabilities, `wapiti wrote its report (exit ${main.code}; log: logs/wapiti.log)`);
  check(found.vulnerabilities.length === 0, `wapiti (${modules}), ${main.crawled} URLs and forms, ${main.seconds.toFixed(0)} s${main.timeBoxed.length ? `, modules stopped at ${attack} s: ${main.timeBoxed.join(', ')}` : ''}: ${found.vulnerabilities.length ? found.vulnerabilities.map((v) => `${v.category} ${v.path} ${v.parameter ?? ''}`).join('; ') : '0 findings'}`);
  check(found.errors.length === 0, `wapiti: ${found.errors.length} HTTP 500 ${found.errors.map((e) => e.path).join(', ')}`);
}

async function runNmap() {
  const res = await run('nmap', ['-Pn', '-sT', '-p-', '-T4', '--host-timeout', '120s', '-oG', '-', '127.0.0.1'], { timeoutMs: 150_000, log: join(work, 'logs/nmap.log') });
  const open = openPorts(res.out);
  const expected = Object.values(ports).sort((a, b) => a - b);
  const unexpected = open.filter((p) => !expected.includes(p));
  report.nmap = { open, expected };
  check(open.includes(ports.store), `nmap sees the store's port ${ports.store} (proves it scanned the store's host)`);
  check(unexpected.length === 0, `nmap, all 65535 TCP ports: open ${open.join(', ')}; unexpected: ${unexpected.join(', ') || 'none'}`);
}

async function main() {
  mkdirSync(join(work, 'logs'), { recursive: true });
  mkdirSync(join(work, 'home'), { recursive: true });
  const t0 = Date.now();
  await startStore();
  await runNmap();
  await Promise.all([runSqlmap(), runWapiti()]);
  report.seconds = (Date.now() - t0) / 1000;
  report.failures = failures;
  writeFileSync(join(work, 'report.json'), JSON.stringify(report, null, 2));
  console.log(`\noutside scanners: ${failures.length ? `${failures.length} FAILED` : 'all passed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s (report: ${join(work, 'report.json')})`);
}

try {
  await main();
} catch (err) {
  console.error(`FAIL ${(err as Error).message}`);
  failures.push((err as Error).message);
} finally {
  if (store) {
    const exited = new Promise((r) => store!.once('exit', r));
    store.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    store.kill('SIGKILL');
  }
}
process.exit(failures.length ? 1 : 0);
