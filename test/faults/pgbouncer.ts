import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './services.ts';

const bin = process.env.PGBOUNCER ?? '/usr/sbin/pgbouncer';

export function missingPgBouncer(): string | undefined {
  if (!existsSync(bin)) return `${bin} not found (apt-get install pgbouncer, or set PGBOUNCER)`;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root but there is no "postgres" user to run PgBouncer as (it refuses root)';
  return undefined;
}

/** A PgBouncer of the test's own in transaction-pooling mode, in front of one database (README "Where one database is not enough"). */
export class PrivatePgBouncer {
  private constructor(private readonly dir: string, readonly port: number, private readonly proc: ChildProcess) {}

  /** The store's DATABASE_URL through the pooler (the database keeps its name). */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/pgbouncer`;
  }

  /** `serverUrl` is the database PgBouncer forwards to; `poolSize` server connections for all clients together. */
  static async start(serverUrl: string, poolSize = 3): Promise<PrivatePgBouncer> {
    const u = new URL(serverUrl);
    const database = u.pathname.slice(1);
    const dir = mkdtempSync(join(tmpdir(), 'omamori-pgbouncer-'));
    const port = await freePort();
    writeFileSync(join(dir, 'users.txt'), `"${decodeURIComponent(u.username) || 'postgres'}" ""\n`);
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `${database} = host=${u.hostname} port=${u.port || 5432} dbname=${database} user=${decodeURIComponent(u.username) || 'postgres'}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 200',
        'admin_users = postgres',
        // pg sends extra_float_digits? No; kept for other clients (psql sends nothing unknown either).
        'ignore_startup_parameters = extra_float_digits',
        // The store's DB_STATEMENT_TIMEOUT_MS and DB_IDLE_IN_TRANSACTION_TIMEOUT_MS, on the pooler's side.
        'query_timeout = 30',
        'idle_transaction_timeout = 30',
        // A client waiting for a server connection gets an error, not an endless wait (the store answers 503 busy).
        'query_wait_timeout = 10',
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, gid);
    }
    // PgBouncer refuses to run as root.
    const proc = asRoot ? spawn('runuser', ['-u', 'postgres', '--', bin, join(dir, 'pgbouncer.ini')], { stdio: 'ignore' }) : spawn(bin, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
    await waitForPort(port);
    return new PrivatePgBouncer(dir, port, proc);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      // runuser passes SIGTERM on to PgBouncer; SIGINT would be its "safe shutdown" (waits for clients).
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
