// The floors of the house (docs/architecture.md "Floors"): read from the code's own import lines, the folder
// graph under src/ has no cycle, platform/ imports no domain, and no two files import each other's values in a
// cycle. `LAYERING_PRINT=1 node --import tsx --test test/layering.test.ts` prints what it finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const src = resolve(import.meta.dirname, '../src');

/**
 * The floors, top to bottom (docs/architecture.md "Floors"): a file may import its own folder and any folder below.
 * `services.ts` is the `Services`/`RouteModule` type every route module receives; it may be imported with
 * `import type` only (route modules get the services passed in by the composition root).
 */
const floors = ['main.ts', 'cli', 'app', 'services.ts', 'doctor', 'drills', 'malware-scan', 'fulfilment', 'incidents', 'security-overview', 'watchdog', 'retention', 'catalog-csv', 'exports', 'backup', 'bans', 'detection', 'integrity',
  'checkout', 'coupons', 'payments', 'orders', 'identity', 'cart', 'outbox', 'tax', 'catalog', 'shipping', 'settings', 'storefront',
  'alerts', 'audit', 'admin', 'edge', 'security-events', 'vault', 'platform'];

/** Upward imports still allowed while the house is rebuilt (issue 11). Each is a debt: remove lines, never add. All paid. */
const allowedUpward = new Set<string>([]);
/** File value-import cycles still allowed (each as the sorted member list joined with ' ~ '); a debt like the above. */
const allowedFileCycles = new Set<string>([]);

/** Test code (helpers and fixtures beside the tests) may reach across floors to build a scene. */
const testSupport = /^test-[a-z-]+\.ts$/;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !testSupport.test(name)) out.push(p);
  }
  return out;
}

interface Edge { from: string; to: string; typeOnly: boolean }

function edges(): Edge[] {
  const out: Edge[] = [];
  const spec = /^(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm;
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(spec)) {
      const to = resolve(dirname(file), m[3]!);
      if (!to.startsWith(src + '/')) continue; // sandbox-gateway and other siblings
      out.push({ from: relative(src, file), to: relative(src, to), typeOnly: Boolean(m[2]) });
    }
  }
  return out;
}

const folderOf = (path: string) => path.split('/')[0]!;
const all = edges();

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index++); stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) found.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

function graphOf(list: Edge[], key: (p: string) => string): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const e of list) {
    const a = key(e.from), b = key(e.to);
    if (a === b) continue;
    if (!g.has(a)) g.set(a, new Set());
    g.get(a)!.add(b);
  }
  return g;
}

const rank = (folder: string) => floors.indexOf(folder);
const key = (e: Edge) => `${e.from} -> ${e.to}`;
const upward = (e: Edge) => rank(folderOf(e.to)) < rank(folderOf(e.from));
/** A rule, not a debt: the Kysely `Database` type is the sum of every domain's table types (`import type` of a tables.ts only). */
const schemaTables = (e: Edge) => e.from === 'platform/db/schema.ts' && e.typeOnly && e.to.endsWith('/tables.ts');
const debts = (e: Edge) => allowedUpward.has(key(e)) || schemaTables(e) || (e.to === 'services.ts' && e.typeOnly);

if (process.env.LAYERING_PRINT) {
  console.log('folder cycles:', cycles(graphOf(all, folderOf)));
  console.log('file value cycles:', cycles(graphOf(all.filter((e) => !e.typeOnly), (p) => p)));
  console.log('upward edges:', all.filter(upward).map(key));
}

test('every folder under src/ has its floor', () => {
  const missing = [...new Set(all.flatMap((e) => [folderOf(e.from), folderOf(e.to)]))].filter((f) => rank(f) < 0);
  assert.deepEqual(missing, [], 'add the new folder to `floors` (and to docs/architecture.md)');
});

test('imports only go down a floor (beyond the listed debts)', () => {
  assert.deepEqual(all.filter((e) => upward(e) && !debts(e)).map(key), []);
});

test('no cycle between the folders under src/ (beyond the listed debts)', () => {
  const found = cycles(graphOf(all.filter((e) => !debts(e)), folderOf));
  assert.deepEqual(found, []);
});

test('platform/ imports no domain (what it needs from one comes in as an interface)', () => {
  const bad = all.filter((e) => folderOf(e.from) === 'platform' && folderOf(e.to) !== 'platform' && !allowedUpward.has(key(e)) && !schemaTables(e));
  assert.deepEqual(bad.map(key), []);
});

test('the listed debts still exist (a paid debt leaves the list)', () => {
  const present = new Set(all.map(key));
  assert.deepEqual([...allowedUpward].filter((d) => !present.has(d)), []);
});

test('no value-import cycle between files (import type is free)', () => {
  const found = cycles(graphOf(all.filter((e) => !e.typeOnly), (p) => p)).map((c) => c.join(' ~ '))
    .filter((c) => !allowedFileCycles.has(c));
  assert.deepEqual(found, []);
});
