// Replays JSONL request corpora (CRS regression format, shared/corpora SOURCES.md schema) through the WAF over TLS,
// byte for byte, and counts which were refused by the WAF (nginx's own 403 page), not by the store (its own pages).
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/** One raw HTTP/1.1 request (go-ftw's conventions: the sender adds Content-Length and Connection: close only). */
export function rawRequest(r) {
  if (r.encoded_request) return Buffer.from(r.encoded_request, 'base64');
  const body = Buffer.from(r.body ?? '', 'utf8');
  const headers = { ...(r.headers ?? {}) };
  if (r.autocomplete_headers !== false) {
    const names = Object.keys(headers).map((h) => h.toLowerCase());
    if ((body.length || ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)) && !names.includes('content-length')) headers['Content-Length'] = String(body.length);
    if (!names.includes('connection')) headers.Connection = 'close';
  }
  const head = `${r.method} ${r.uri} ${r.version ?? 'HTTP/1.1'}\r\n` + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Sends one request; resolves with the status and whether nginx's WAF block page answered. */
export function send(raw, { host = '127.0.0.1', port = 443, servername = 'shop.test', timeoutMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => socket.write(raw));
    const done = (error) => {
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, wafBlocked: status === 403 && text.includes('<center>nginx</center>'), error: status ? undefined : error?.message ?? 'no answer' });
    };
    socket.setTimeout(timeoutMs, () => done(new Error('timeout')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => done());
    socket.on('error', (e) => done(e));
  });
}

export function readCorpus(file, filter = () => true) {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter(filter);
}

/** Replays records with `concurrency` in flight; returns per-record results. */
export async function replay(records, opts = {}, concurrency = 6) {
  const results = new Array(records.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < records.length) {
      const i = next++;
      results[i] = { record: records[i], ...(await send(rawRequest(records[i]), opts)) };
    }
  }));
  return results;
}

/** Per-category figures for attacks: blocked / total. */
export function byCategory(results) {
  const out = {};
  for (const r of results) {
    const c = (out[r.record.category] ??= { blocked: 0, total: 0 });
    c.total++;
    if (r.wafBlocked) c.blocked++;
  }
  return out;
}

// Stand-alone: node replay.mjs FILE [attacks|benign] [port]
if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, mode = 'benign', port = '443'] = process.argv.slice(2);
  const records = readCorpus(file);
  const results = await replay(records, { port: Number(port) });
  const blocked = results.filter((r) => r.wafBlocked);
  console.log(JSON.stringify({ mode, total: results.length, blocked: blocked.length, errors: results.filter((r) => r.error).length, byCategory: mode === 'attacks' ? byCategory(results) : undefined }, null, 1));
  if (mode === 'benign') for (const r of blocked.slice(0, 400)) console.log('BLOCKED', r.record.id, r.record.kind, r.record.uri.slice(0, 80));
}
