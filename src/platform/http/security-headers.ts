import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SecurityHeaderOptions {
  /** Origins a form may post to besides our own (a payment provider's hosted page). */
  formActionOrigins?: string[];
  hsts: boolean;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Headers for every response; the CSP only matters for HTML but costs nothing elsewhere. */
export function applySecurityHeaders(req: FastifyRequest, reply: FastifyReply, opts: SecurityHeaderOptions) {
  const formAction = ["'self'", ...(opts.formActionOrigins ?? [])].join(' ');
  // T6: no inline script without this response's nonce, no third-party script, nowhere to exfiltrate to.
  reply.header(
    'content-security-policy',
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${req.cspNonce}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      `form-action ${formAction}`,
    ].join('; '),
  );
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  reply.header('cross-origin-opener-policy', 'same-origin');
  if (opts.hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}
