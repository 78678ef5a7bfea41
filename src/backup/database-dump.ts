import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { sql } from 'kysely';
import { createPGlite, type DatabaseHandle, type Db } from '../platform/db/database.ts';

/**
 * The database part: `pg_dump --format=custom` for PostgreSQL (restored with `pg_restore`), the data directory
 * tarball (`dumpDataDir`) for the embedded PGlite. Tools run without a shell, the password travels in
 * PGPASSWORD rather than on the command line (visible in `ps`).
 */
const gzipAsync = promisify(gzip);
const pgDumpBin = () => process.env.PG_DUMP ?? 'pg_dump';
const pgRestoreBin = () => process.env.PG_RESTORE ?? 'pg_restore';

function toolMajor(bin: string, envName: string): { version: string; major: number } {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`${bin} not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install the PostgreSQL client tools (e.g. apt-get install postgresql-client) or set ${envName} to the program's path`);
  const m = /(\d+)(?:\.(\d+))?/.exec(r.stdout);
  if (!m) throw new Error(`${bin} --version printed ${JSON.stringify(r.stdout.trim())}: not a PostgreSQL client`);
  return { version: r.stdout.trim(), major: Number(m[1]) };
}

async function serverMajor(db: Db): Promise<{ version: string; major: number }> {
  const r = await sql<{ v: string; n: string }>`select current_setting('server_version') as v, current_setting('server_version_num') as n`.execute(db);
  const row = r.rows[0]!;
  return { version: row.v, major: Math.floor(Number(row.n) / 10000) };
}

/** Connection URL without its password, and the password for PGPASSWORD. */
function splitUrl(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

export interface DatabaseDump {
  format: 'pglite-datadir-tar.gz' | 'pg_dump-custom';
  serverVersion: string | null;
  tool: string | null;
  stream: AsyncIterable<Buffer>;
  /** Resolves when the dump finished cleanly (pg_dump's exit status). */
  done: Promise<void>;
}

export async function dumpDatabase(database: DatabaseHandle, url: string | undefined): Promise<DatabaseDump> {
  if (database.kind === 'pglite') {
    if (!database.pglite) throw new Error('this embedded database handle cannot be dumped');
    // dumpDataDir runs exclusively of queries; the checkpoint first keeps the WAL to replay short.
    await sql`checkpoint`.execute(database.db);
    const blob = await database.pglite.dumpDataDir('none');
    // Native gzip on the thread pool (PGlite's own is slower); PGlite unpacks gzip on load. WAL and free pages shrink ~8x.
    const bytes = await gzipAsync(Buffer.from(await blob.arrayBuffer()), { level: 6 });
    return { format: 'pglite-datadir-tar.gz', serverVersion: null, tool: null, stream: (async function* () { yield bytes; })(), done: Promise.resolve() };
  }
  if (!url) throw new Error('PostgreSQL backup needs DATABASE_URL');
  const tool = toolMajor(pgDumpBin(), 'PG_DUMP');
  const server = await serverMajor(database.db);
  // pg_dump refuses a newer server, and an older pg_dump would miss its catalog changes: say which to install.
  if (tool.major < server.major) throw new Error(`pg_dump is version ${tool.major} but the server runs PostgreSQL ${server.version}: install postgresql-client-${server.major} (or newer) or set PG_DUMP to its pg_dump`);
  const { url: bare, env } = splitUrl(url);
  const child = spawn(pgDumpBin(), ['--format=custom', '--no-owner', '--no-privileges', '--dbname', bare], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`pg_dump could not start: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`))));
  });
  done.catch(() => {}); // awaited by the caller after the stream ends
  return { format: 'pg_dump-custom', serverVersion: server.version, tool: tool.version, stream: child.stdout, done };
}

/** Tables in any user schema: a database with one is not empty, and restore refuses it. */
export async function userTableCount(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export function pgliteDirIsEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Feeds a pg_dump archive, already decrypted and authenticated as a whole, to pg_restore in one transaction (all or nothing). */
export async function pgRestore(url: string, chunks: AsyncIterable<Buffer>, dumpTool: string | null): Promise<void> {
  const tool = toolMajor(pgRestoreBin(), 'PG_RESTORE');
  const dumpMajor = Number(/(\d+)/.exec(dumpTool ?? '')?.[1] ?? 0);
  if (dumpMajor > tool.major) throw new Error(`the backup was made by pg_dump ${dumpMajor}; pg_restore is version ${tool.major}: install postgresql-client-${dumpMajor} (or newer) or set PG_RESTORE`);
  const { url: bare, env } = splitUrl(url);
  const child = spawn(pgRestoreBin(), ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', '--dbname', bare], { stdio: ['pipe', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.on('error', () => {}); // pg_restore stopping early closes its stdin; its exit status says why
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`pg_restore could not start: ${e.message}`)));
    child.on('close', resolve);
  });
  try {
    for await (const chunk of chunks) {
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
    }
    child.stdin.end();
  } catch (e) {
    child.kill();
    await exited.catch(() => null);
    throw e;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`pg_restore exited with ${code}: ${err.trim().split('\n').slice(0, 3).join(' / ')}`);
}

/** Writes a PGlite data-directory tarball (already authenticated) into an empty folder (PGlite unpacks it on first open). */
export async function pgliteRestore(dir: string, chunks: AsyncIterable<Buffer>): Promise<void> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  const pglite = await createPGlite({ dataDir: dir, loadDataDir: new Blob([Buffer.concat(parts)]) });
  await pglite.query('select 1');
  await pglite.close();
}
