// npm run bench:integrity: how fast the store verifies its deployed tree (src, static, dist, bin, scripts,
// node_modules, package files; the scope in src/integrity/config.ts) against a signed baseline, beside
// AIDE over the same files with SHA-256 (`aide --init`, then `aide --check`), in the same run.
// Needs `apt-get install -y aide` for the comparison; without it only omamori's figures are printed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScope, integrityConfig } from '../src/integrity/config.ts';
import { createBaseline, loadManifest, TreeVerifier } from '../src/integrity/files/manifest.ts';
import { projectRoot } from '../src/platform/paths.ts';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'omamori-bench-integrity-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Array<{ name: string; files: number; ms: number }> = [];

async function omamori(label: string, scope: string[]) {
  const cfg = integrityConfig({ dataDir: join(work, label) }, { INTEGRITY_ROOT: projectRoot, INTEGRITY_PATHS: scope.join(',') });
  const made = await createBaseline(cfg);
  rows.push({ name: `omamori baseline (hash + sign), ${label}`, files: made.files, ms: made.ms });
  const loaded = loadManifest(cfg);
  if (loaded.status !== 'ok') throw new Error(`baseline not usable: ${loaded.status}`);
  const v = new TreeVerifier(projectRoot, loaded.manifest);
  const full: number[] = [];
  const quick: number[] = [];
  let files = 0;
  let bytes = 0;
  for (const e of Object.values(loaded.manifest.files)) if ('size' in e) bytes += e.size;
  for (let i = 0; i < runs; i++) {
    const r = await v.verify({ full: true });
    full.push(r.ms);
    files = r.files;
  }
  for (let i = 0; i < runs; i++) quick.push((await v.verify({ full: false })).ms);
  rows.push({ name: `omamori verify, full (every file hashed), ${label}`, files, ms: median(full) });
  rows.push({ name: `omamori verify, quick (stat, hash changed), ${label}`, files, ms: median(quick) });
  return { cfg, bytes };
}

function aide(scope: string[]): boolean {
  if (spawnSync('aide', ['--version']).status !== 0) return false;
  const db = join(work, 'aide');
  const conf = join(work, 'aide.conf');
  const esc = (p: string) => p.replace(/[.^$*+?()[\]{}|\\]/g, '\\$&');
  writeFileSync(
    conf,
    [
      `database_in=file:${db}.db`,
      `database_out=file:${db}.db.new`,
      'gzip_dbout=no',
      'report_url=stdout',
      'X = sha256',
      ...scope.map((p) => `${esc(join(projectRoot, p))}(/|$) X`),
      '',
    ].join('\n'),
  );
  const time = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync('aide', ['--config', conf, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { ms: performance.now() - t0, out: r.stdout + r.stderr, status: r.status };
  };
  const init = time(['--init']);
  const files = Number(/Number of entries:\s+(\d+)/.exec(init.out)?.[1] ?? 0);
  rows.push({ name: 'AIDE --init (sha256; entries incl. directories)', files, ms: init.ms });
  spawnSync('mv', [`${db}.db.new`, `${db}.db`]);
  const checks: number[] = [];
  for (let i = 0; i < runs; i++) checks.push(time(['--check']).ms);
  rows.push({ name: 'AIDE --check (sha256; entries incl. directories)', files, ms: median(checks) });
  return true;
}

const withoutNodeModules = defaultScope.filter((p) => p !== 'node_modules');
// Warm the page cache once so neither tool is measured against a cold disk.
spawnSync('cat', ['/dev/null']);
await omamori('code only (no node_modules)', withoutNodeModules);
const { cfg, bytes } = await omamori('deployed tree incl. node_modules', defaultScope);
const hasAide = aide(defaultScope);

// The command as an operator runs it (process start, tsx, verify): `npx omamori integrity verify`.
const t0 = performance.now();
const cli = spawnSync(process.execPath, ['bin/omamori.js', 'integrity', 'verify'], { cwd: projectRoot, env: { ...process.env, DATA_DIR: join(cfg.manifestPath, '..', '..'), INTEGRITY_ROOT: projectRoot }, encoding: 'utf8' });
rows.push({ name: `npx omamori integrity verify (whole process incl. start-up)`, files: Number(/(\d+) files verified/.exec(cli.stdout)?.[1] ?? 0), ms: performance.now() - t0 });

console.log(`\nfile integrity benchmark — ${projectRoot}, median of ${runs} runs, warm page cache, ${(bytes / 1024 / 1024).toFixed(0)} MiB in the full tree\n`);
console.log('run'.padEnd(78) + 'files'.padStart(8) + 'ms'.padStart(9) + 'files/s'.padStart(10));
for (const r of rows) console.log(r.name.padEnd(78) + String(r.files).padStart(8) + r.ms.toFixed(0).padStart(9) + (r.files ? Math.round(r.files / (r.ms / 1000)) : 0).toString().padStart(10));
if (hasAide) {
  const ours = rows.find((r) => r.name.startsWith('omamori verify, full') && r.name.includes('incl. node_modules'))!;
  const theirs = rows.find((r) => r.name.startsWith('AIDE --check'))!;
  console.log(`\nfull verification vs AIDE --check over the same tree: ${(theirs.ms / ours.ms).toFixed(2)}× AIDE's speed (target ≥ 1.00: ${theirs.ms >= ours.ms ? 'ok' : 'MISSED'})`);
} else console.log('\nAIDE is not installed (apt-get install -y aide): no comparison.');
rmSync(work, { recursive: true, force: true });
