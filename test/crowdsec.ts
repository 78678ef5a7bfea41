import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private CrowdSec Local API for tests (Debian's `crowdsec` package): its own config, data directory and
 * SQLite database in a temporary folder, on a free loopback port, without the Central API and without the
 * log-reading agent (`-no-cs`). Never the system service. Null when crowdsec is not installed.
 */
export interface TestCrowdSec {
  url: string;
  bouncerKey: string;
  machine: { id: string; password: string };
  /** `cscli` against this Local API; throws with its output on failure. */
  cscli(...args: string[]): string;
  close(): Promise<void>;
}

export const crowdSecMissing = !existsSync('/usr/bin/crowdsec') || !existsSync('/usr/bin/cscli') || !existsSync('/etc/crowdsec/config.yaml');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startCrowdSec(): Promise<TestCrowdSec | null> {
  if (crowdSecMissing) return null;
  const dir = mkdtempSync(join(tmpdir(), 'omamori-crowdsec-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'console.yaml'), '');
  const port = await freePort();
  const config = readFileSync('/etc/crowdsec/config.yaml', 'utf8')
    .replace('daemonize: true', 'daemonize: false')
    .replace('log_media: file', 'log_media: stdout')
    .replace(/log_dir: .*/, `log_dir: ${dir}/`)
    .replace(/data_dir: .*/, `data_dir: ${dir}/data/`)
    .replace(/db_path: .*/, `db_path: ${dir}/data/crowdsec.db`)
    .replace(/credentials_path: .*local_api_credentials\.yaml/, `credentials_path: ${dir}/local_api_credentials.yaml`)
    .replace(/console_path: .*/, `console_path: ${dir}/console.yaml`)
    // No Central API: nothing may leave the machine.
    .replace(/\n\s*online_client:[^\n]*\n\s*credentials_path:[^\n]*/, '')
    .replace(/listen_uri: .*/, `listen_uri: 127.0.0.1:${port}`)
    .replace(/prometheus:\n\s*enabled: true/, 'prometheus:\n  enabled: false');
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, config);
  const cscli = (...args: string[]) => {
    const r = spawnSync('cscli', ['-c', configPath, ...args], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`cscli ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  cscli('machines', 'add', 'cscli-test', '--auto', '-f', join(dir, 'local_api_credentials.yaml'));
  const bouncerKey = cscli('bouncers', 'add', `omamori-${randomBytes(3).toString('hex')}`, '-o', 'raw').trim();
  const machine = { id: 'omamori-test', password: randomBytes(18).toString('base64url') };
  cscli('machines', 'add', machine.id, '--password', machine.password, '-f', '/dev/null');
  const child: ChildProcess = spawn('crowdsec', ['-c', configPath, '-no-cs'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const start = Date.now();
  for (;;) {
    const up = await fetch(`${url}/v1/decisions/stream?startup=true`, { headers: { 'x-api-key': bouncerKey } }).then((r) => r.ok, () => false);
    if (up) break;
    if (child.exitCode !== null || Date.now() - start > 30_000) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the CrowdSec Local API did not start:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    bouncerKey,
    machine,
    cscli,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
