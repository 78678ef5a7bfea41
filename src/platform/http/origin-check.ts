import type { FastifyRequest } from 'fastify';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for cookie-authenticated requests: a state-changing request must come from our own
 * origin (Origin header, or Sec-Fetch-Site from browsers that omit it). Requests that carry no
 * cookie cannot ride on a session and are let through (API clients use bearer tokens).
 */
export function isCrossSiteWrite(req: FastifyRequest, allowedOrigins: ReadonlySet<string>): boolean {
  if (safeMethods.has(req.method)) return false;
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === 'null' || !allowedOrigins.has(origin) && origin !== requestOrigin(req);
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  return req.headers.cookie !== undefined;
}

function requestOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}
