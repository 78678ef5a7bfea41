// npm run bench, issue 14: the cost of nginx + ModSecurity + CRS (deploy/, as deploy/test/run starts it) in front of the
// same store instance, as ratios in the same run. Skipped with a plain message where nginx or the module is missing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { missingNginx, prepareEdgeNginx } from '../deploy/test/edge-nginx.ts';
import { waitFor } from './support.ts';

type Load = (name: string, opts: autocannon.Options) => Promise<{ name: string; rps: number; p50: number; p99: number; bad: number }>;
export interface WafRow { route: string; direct: { rps: number; p99: number; bad: number }; waf: { rps: number; p99: number; bad: number } }

// A browser's request (CRS at PL1 scores a request without User-Agent or Accept); the same headers both ways.
const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', accept: 'text/html,application/xhtml+xml', 'accept-language': 'ja' };

export async function wafCost(load: Load, o: { storePort: number; httpPort: number; httpsPort: number; slug: string; variantId: number }): Promise<WafRow[] | string> {
  const missing = missingNginx();
  if (missing) return `skipped: ${missing} (apt-get install nginx libnginx-mod-http-modsecurity modsecurity-crs)`;
  const work = mkdtempSync(join(tmpdir(), 'omamori-bench-waf-'));
  let nginx: ReturnType<typeof prepareEdgeNginx> | undefined;
  try {
    // The edge secret's group: the bench user's own (as root and in production, the store's group).
    nginx = prepareEdgeNginx(work, { storePorts: [o.storePort], adminPorts: [o.storePort], http: o.httpPort, https: o.httpsPort, group: String(userInfo().gid) });
    nginx.start();
    await waitFor(`http://127.0.0.1:${o.storePort}/healthz`);
    const direct = `http://127.0.0.1:${o.storePort}`;
    const proxied = `https://127.0.0.1:${o.httpsPort}`;
    const tls = { servername: 'shop.test', tlsOptions: { rejectUnauthorized: false } }; // the run's own self-signed certificate
    // No Origin and no cookie: the store's CSRF check lets a cookie-less post through either way, so both sides send
    // the same bytes (through nginx the store sees http://shop.test without TRUST_PROXY).
    const add = { method: 'POST' as const, body: `variant_id=${o.variantId}&quantity=1`, headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded' } };
    const rows: WafRow[] = [];
    for (const [route, path, extra] of [[`product page GET /p/${o.slug}`, `/p/${o.slug}`, { headers: browser }], ['add to cart POST /cart/items', '/cart/items', add]] as const) {
      const d = await load(`${route} direct`, { url: direct + path, ...extra, headers: { ...extra.headers, host: 'shop.test' } });
      const w = await load(`${route} via WAF`, { url: proxied + path, ...tls, ...extra, headers: { ...extra.headers, host: 'shop.test' } });
      rows.push({ route, direct: { rps: d.rps, p99: d.p99, bad: d.bad }, waf: { rps: w.rps, p99: w.p99, bad: w.bad } });
    }
    return rows;
  } catch (err) {
    return `skipped: nginx with the recipe did not run here: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    nginx?.stop();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(work, { recursive: true, force: true });
  }
}

export function printWafCost(rows: WafRow[] | string) {
  console.log('\nnginx + ModSecurity + CRS (deploy/, TLS, PL1) in front of the same instance vs direct (target: cost ≤ 30 %, p99 < 50 ms)');
  if (typeof rows === 'string') return console.log(`  ${rows}`);
  for (const r of rows) {
    const ratio = r.waf.rps / r.direct.rps;
    const ok = ratio >= 0.7 && r.waf.p99 < 50;
    console.log(`  ${r.route.padEnd(46)} direct ${r.direct.rps.toFixed(0).padStart(6)} req/s p99 ${r.direct.p99} ms; via WAF ${r.waf.rps.toFixed(0).padStart(6)} req/s p99 ${r.waf.p99} ms: ratio ${ratio.toFixed(2)}, cost ${(100 * (1 - ratio)).toFixed(1)} %${ok ? '  ok' : '  MISSED'}${r.direct.bad + r.waf.bad ? `  failed ${r.direct.bad}/${r.waf.bad}` : ''}`);
  }
}
