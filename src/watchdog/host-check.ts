import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { raiseAlert } from '../alerts/raise.ts';
import type { AppContext } from '../platform/context.ts';
import { ownChildren, ownListeners, procAvailable, type ChildProcess, type Listener } from './host.ts';

export const HOST_TASK = 'host-check';

const list = z.string().transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean));
const envSchema = z.object({
  HOST_CHECK_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  HOST_ALLOW_PORTS: list.refine((l) => l.every((p) => /^\d{1,5}$/.test(p) && Number(p) <= 65_535), { message: 'must be comma-separated port numbers' }).default([]),
  // Headless Chromium (payment-page watcher) and the PostgreSQL tools of backups and restores.
  HOST_ALLOW_PROCESSES: list.default(['chromium', 'chrome', 'headless_shell', 'chrome_crashpad', 'pg_dump', 'pg_restore']),
});

export interface HostCheckConfig {
  /** Seconds between checks; 0 turns the check off. Linux only (/proc). */
  checkSeconds: number;
  allowPorts: number[];
  /** Command names (as in /proc/PID/comm, at most 15 characters) of child processes the store may start. */
  allowProcesses: string[];
}

export function hostCheckConfig(env: NodeJS.ProcessEnv = process.env): HostCheckConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('HOST_') && k !== 'HOST' && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const e = parsed.data;
  return { checkSeconds: e.HOST_CHECK_SECONDS, allowPorts: e.HOST_ALLOW_PORTS.map(Number), allowProcesses: e.HOST_ALLOW_PROCESSES.map((p) => p.slice(0, 15)) };
}

export interface HostFindings {
  ports: Listener[];
  processes: ChildProcess[];
}

export interface HostCheck {
  readonly config: HostCheckConfig;
  /** A port the store itself listens on (its HTTP servers register theirs when they start listening). */
  expectPort(port: number): void;
  /** One check now; each unexpected listener or child process raises a critical alert. */
  checkNow(): Promise<HostFindings>;
}

const instance = `${hostname()}:${process.pid}`.slice(0, 100);

/**
 * Issue 12, the host (IPSA's backdoor listened for years): every minute this process's listening TCP
 * ports (/proc/net/tcp{,6}, matched to its own socket inodes) and child processes
 * (/proc/self/task/* /children) are compared with what the store opened itself and the allow-list.
 */
export function createHostCheck(ctx: AppContext, cfg: HostCheckConfig = hostCheckConfig()): HostCheck {
  const expected = new Set<number>(cfg.allowPorts);
  const configured = () => {
    const ports = [ctx.config.port, ctx.config.adminPort, ctx.config.sandboxGatewayUrl ? Number(new URL(ctx.config.sandboxGatewayUrl).port) : 0];
    return ports.filter((p): p is number => typeof p === 'number' && p > 0);
  };

  async function checkNow(): Promise<HostFindings> {
    if (!procAvailable()) return { ports: [], processes: [] };
    const allowedPorts = new Set([...expected, ...configured()]);
    const ports = ownListeners().filter((l) => !allowedPorts.has(l.port));
    const processes = ownChildren().filter((c) => !cfg.allowProcesses.includes(c.name));
    for (const l of ports) {
      // T1/T5: a listener the store did not open is how a backdoor waits for its operator.
      await raiseAlert(ctx.db, { kind: 'host_unexpected', severity: 'critical', title: `想定外の待ち受けポート / unexpected listening port ${l.port}`, detail: { what: 'port', port: l.port, address: l.address, instance }, fingerprint: `host:port:${l.port}` });
    }
    for (const p of processes) {
      await raiseAlert(ctx.db, { kind: 'host_unexpected', severity: 'critical', title: `想定外の子プロセス / unexpected child process ${p.name.replace(/[^\w.-]/g, '?')}`, detail: { what: 'process', name: p.name.replace(/[^\w.-]/g, '?'), pid: p.pid, instance }, fingerprint: `host:process:${p.name}` });
    }
    if (ports.length || processes.length) ctx.log.error({ ports: ports.map((p) => p.port), processes: processes.map((p) => p.name) }, 'host check: unexpected listener or child process');
    return { ports, processes };
  }

  if (cfg.checkSeconds > 0 && procAvailable()) ctx.scheduler.every(HOST_TASK, cfg.checkSeconds * 1000, async () => void (await checkNow()), { single: false });

  return {
    config: cfg,
    expectPort: (port) => void expected.add(port),
    checkNow,
  };
}

/** Each HTTP server of the store reports its port to the host check when it starts listening. */
export function registerHostHooks(app: FastifyInstance, host: Pick<HostCheck, 'expectPort'>): void {
  app.addHook('onListen', async () => {
    const a = app.server.address();
    if (a && typeof a === 'object') host.expectPort(a.port);
  });
}
