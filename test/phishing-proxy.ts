import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A look-alike site for tests: a reverse proxy on another loopback port that relays every request to
 * the real store, rewriting Host, Origin and Referer the way real-time phishing kits do, so that only
 * WebAuthn's origin binding can tell the difference. Listens on 127.0.0.1 only.
 */
export async function startPhishingProxy(targetUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(targetUrl);
  let self = '';
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers, host: target.host };
    if (typeof headers.origin === 'string') headers.origin = target.origin;
    if (typeof headers.referer === 'string') headers.referer = headers.referer.replace(self, target.origin);
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      const out = { ...answer.headers };
      if (typeof out.location === 'string') out.location = out.location.replace(target.origin, self);
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
