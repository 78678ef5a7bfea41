import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Private services for fault tests: a PostgreSQL cluster, a Redis server (and, in test/smtp-peer.ts, an SMTP peer) of the test's
 * own, each on a free port of 127.0.0.1, that the test may stop and start again. The shared PostgreSQL
 * (5432) and Redis (6379) are never touched.
 */

/** PG_BIN, else PostgreSQL 15's Debian folder, else the newest version installed there. */
function findPgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const preferred = '/usr/lib/postgresql/15/bin';
  if (existsSync(preferred)) return preferred;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((x, y) => Number(y) - Number(x)) : [];
  return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : preferred;
}
const pgBin = findPgBin();
const redisBin = process.env.REDIS_SERVER ?? 'redis-server';

/** Why a private service cannot be started here, or undefined when it can. */
export function missingPostgres(): string | undefined {
  if (!existsSync(join(pgBin, 'initdb')) || !existsSync(join(pgBin, 'pg_ctl'))) return `PostgreSQL server binaries not found in ${pgBin} (apt-get install postgresql-15, or set PG_BIN)`;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root but there is no "postgres" user to run a private cluster as';
  return undefined;
}

export function missingRedis(): string | undefined {
  return spawnSync(redisBin, ['--version']).status === 0 ? undefined : `${redisBin} not found (apt-get install redis-server, or set REDIS_SERVER)`;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until something accepts TCP connections on the port (or stops accepting them, with `up` false). */
export async function waitForPort(port: number, up = true, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open === up) return;
    await sleep(50);
  }
  throw new Error(`port ${port} did not ${up ? 'open' : 'close'} within ${timeoutMs} ms`);
}

/** A PostgreSQL 15 cluster in a temporary folder (run as the postgres user when the test runs as root). */
export class PrivatePostgres {
  readonly port: number;
  private constructor(private readonly dir: string, port: number) {
    this.port = port;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'omamori-pg-'));
    if (process.getuid?.() === 0) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      chownSync(dir, uid, gid);
    }
    const pg = new PrivatePostgres(dir, await freePort());
    pg.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await pg.resume();
    return pg;
  }

  private run(tool: string, args: string[]) {
    const cmd = join(pgBin, tool);
    const res = process.getuid?.() === 0 ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${tool} failed: ${res.stderr || res.stdout}`);
  }

  /** Starts (again) on the same port; resolves when it accepts connections. */
  async resume(): Promise<void> {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off -c full_page_writes=off -c max_connections=60`;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', opts, '-w', '-t', '30', 'start']);
    await waitForPort(this.port);
  }

  /** Fast shutdown: open sessions are terminated, as in a restart or a fail-over. */
  async stop(): Promise<void> {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '30', 'stop']);
    await waitForPort(this.port, false);
  }

  async destroy(): Promise<void> {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {}
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A redis-server on its own port, without persistence. */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.resume();
    return r;
  }

  async resume(): Promise<void> {
    this.proc = spawn(redisBin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    this.proc = undefined;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
    await waitForPort(this.port, false);
  }
}
