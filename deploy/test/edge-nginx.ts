// nginx + ModSecurity + CRS from deploy/ in a work folder, as deploy/test/run and `npm run bench` (WAF cost) start it:
// a test certificate made at run time, the edge secret, deploy/render's files and a main nginx.conf.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Why nginx + ModSecurity + CRS cannot run here, or undefined. */
export function missingNginx(): string | undefined {
  if (spawnSync('nginx', ['-v']).status !== 0) return 'nginx is not installed';
  if (!existsSync('/usr/lib/nginx/modules/ngx_http_modsecurity_module.so')) return 'libnginx-mod-http-modsecurity is not installed';
  if (!existsSync('/usr/share/modsecurity-crs/rules')) return 'modsecurity-crs is not installed';
  return undefined;
}

export function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${res.stderr || res.stdout}`);
  return res.stdout;
}

export interface EdgeNginx {
  conf: string;
  auditLog: string;
  edgeSecretFile: string;
  start(): void;
  stop(): void;
}

/** Writes everything into `work`; `start()` runs nginx (its master's pid file in `work`), `stop()` ends it. */
export function prepareEdgeNginx(work: string, o: { storePorts: number[]; adminPorts: number[]; http: number; https: number; workers?: number; group?: string }): EdgeNginx {
  mkdirSync(join(work, 'tmp'), { recursive: true });
  mkdirSync(join(work, 'logs'), { recursive: true });
  // ECDSA P-256, both host names; never committed.
  sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=shop.test', '-addext', 'subjectAltName=DNS:shop.test,DNS:admin.shop.test', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem')]);
  const edgeSecretFile = join(work, 'edge-secret');
  sh(join(root, 'deploy/install-edge-secret'), [edgeSecretFile, join(work, 'edge-secret.conf'), o.group ?? 'nogroup']);
  writeFileSync(join(work, 'store-upstreams.conf'), o.storePorts.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=3s;\n`).join(''));
  writeFileSync(join(work, 'console-upstreams.conf'), o.adminPorts.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=3s;\n`).join(''));
  writeFileSync(join(work, 'console-allow.conf'), 'allow 127.0.0.1;\ndeny all;\n');
  const auditLog = join(work, 'logs/modsec_audit.json');
  sh(join(root, 'deploy/render'), [], {
    env: {
      OUT: join(work, 'nginx'), SHOP_HOST: 'shop.test', ADMIN_HOST: 'admin.shop.test', TLS_CERT: join(work, 'cert.pem'), TLS_KEY: join(work, 'key.pem'),
      STORE_UPSTREAMS: join(work, 'store-upstreams.conf'), CONSOLE_UPSTREAMS: join(work, 'console-upstreams.conf'), CONSOLE_ALLOW: join(work, 'console-allow.conf'),
      EDGE_SECRET_CONF: join(work, 'edge-secret.conf'), ACME_ROOT: join(work, 'acme'), MODSEC_TMP: join(work, 'tmp'), MODSEC_AUDIT_LOG: auditLog,
      HTTP_PORT: String(o.http), HTTPS_PORT: String(o.https),
      // One client address runs every shopper here; production keeps deploy/render's 20 r/s per client.
      REQ_RATE: '5000r/s', REQ_BURST: '5000',
    },
  });
  const conf = join(work, 'nginx.conf');
  // nginx's main file: Debian's /etc/nginx/nginx.conf includes sites-enabled/ the same way.
  writeFileSync(conf, `load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
worker_processes ${o.workers ?? 2};
pid ${work}/nginx.pid;
error_log ${work}/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log ${work}/logs/access.log;
  client_body_temp_path ${work}/tmp/body; proxy_temp_path ${work}/tmp/proxy;
  fastcgi_temp_path ${work}/tmp/fcgi; uwsgi_temp_path ${work}/tmp/uwsgi; scgi_temp_path ${work}/tmp/scgi;
  include ${work}/nginx/omamori.conf;
}
`);
  return {
    conf,
    auditLog,
    edgeSecretFile,
    start: () => void sh('nginx', ['-c', conf, '-p', work]),
    stop: () => void spawnSync('nginx', ['-c', conf, '-p', work, '-s', 'quit']),
  };
}
