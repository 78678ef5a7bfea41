// The production recipe in deploy/ (README "Production"): the rendered nginx + ModSecurity configuration passes
// `nginx -t`, and the systemd unit carries its hardening. The full run (TLS, WAF corpora, instances) is deploy/test/run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const hasNginx = spawnSync('nginx', ['-v']).status === 0 && existsSync('/usr/lib/nginx/modules/ngx_http_modsecurity_module.so') && existsSync('/usr/share/modsecurity-crs/rules');

test('deploy/render fills every value, and nginx -t accepts the site with ModSecurity and CRS', { skip: hasNginx ? false : 'nginx, libnginx-mod-http-modsecurity or modsecurity-crs not installed (apt-get install them)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'omamori-recipe-'));
  try {
    spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=shop.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const secret = spawnSync(join(root, 'deploy/install-edge-secret'), [join(dir, 'edge-secret'), join(dir, 'edge-secret.conf'), 'nogroup'], { encoding: 'utf8' });
    assert.equal(secret.status, 0, secret.stderr);
    assert.match(readFileSync(join(dir, 'edge-secret'), 'utf8'), /^[0-9a-f]{64}\n$/);
    writeFileSync(join(dir, 'up.conf'), 'server 127.0.0.1:3001;\n');
    writeFileSync(join(dir, 'allow.conf'), 'allow 127.0.0.1;\ndeny all;\n');
    const env = { ...process.env, OUT: join(dir, 'out'), SHOP_HOST: 'shop.test', ADMIN_HOST: 'admin.shop.test', TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem'), STORE_UPSTREAMS: join(dir, 'up.conf'), CONSOLE_UPSTREAMS: join(dir, 'up.conf'), CONSOLE_ALLOW: join(dir, 'allow.conf'), EDGE_SECRET_CONF: join(dir, 'edge-secret.conf'), MODSEC_TMP: dir, MODSEC_AUDIT_LOG: join(dir, 'audit.json'), ACME_ROOT: dir };
    const rendered = spawnSync(join(root, 'deploy/render'), [], { env, encoding: 'utf8' });
    assert.equal(rendered.status, 0, rendered.stderr);
    const site = readFileSync(join(dir, 'out/omamori.conf'), 'utf8');
    assert.doesNotMatch(site, /@@[A-Z_]+@@/);
    writeFileSync(join(dir, 'nginx.conf'), `load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  include /etc/nginx/mime.types;\n  access_log off;\n  include ${dir}/out/omamori.conf;\n}\n`);
    const t = spawnSync('nginx', ['-t', '-q', '-c', join(dir, 'nginx.conf'), '-p', dir], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    const tls = readFileSync(join(dir, 'out/nginx/tls.conf'), 'utf8');
    assert.match(tls, /ssl_protocols TLSv1\.2 TLSv1\.3;/);
    const ciphers = /^ssl_ciphers (.+);$/m.exec(tls)![1]!.split(':');
    for (const c of ciphers) assert.match(c, /^ECDHE-(?:ECDSA|RSA)-(?:AES(?:128|256)-GCM-SHA(?:256|384)|CHACHA20-POLY1305)$/, `${c}: ECDHE + AEAD only`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the systemd template unit is hardened and, where systemd-analyze exists, verifies cleanly', () => {
  const unit = readFileSync(join(root, 'deploy/systemd/omamori@.service'), 'utf8');
  for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'ReadWritePaths=/var/lib/omamori', 'Restart=on-failure', 'User=omamori', 'CapabilityBoundingSet=']) {
    assert.ok(unit.split('\n').includes(line), line);
  }
  assert.match(unit, /^MemoryMax=\d+[MG]$/m);
  assert.equal(unit.match(/^ReadWritePaths=/gm)?.length, 1, 'DATA_DIR is the only writable path');
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'omamori-unit-'));
  try {
    writeFileSync(join(dir, 'omamori@.service'), unit);
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'omamori@3001.service')], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
