import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SecurityHeaderOptions {
  /** Origins a form may post to besides our own (the card payment provider's hosted page, in the storefront context only). */
  formActionOrigins?: readonly string[];
  /** Third-party script origins an approved script inventory entry allows on this page (never on payment pages). */
  scriptOrigins?: readonly string[];
  hsts: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set per context by `allowFormActions`: origins this context's forms may post to besides our own. */
    cspFormActionOrigins?: readonly string[];
  }
}

/**
 * Lets the forms of one encapsulated context (the storefront: checkout's 303 to the card provider's hosted
 * page) post to these origins; the other contexts keep `form-action 'self'`. Call before registering routes.
 */
export function allowFormActions(context: FastifyInstance, origins: readonly string[]): void {
  if (!origins.length) return;
  context.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), cspFormActionOrigins: origins };
  });
}

/** Where browsers send CSP violation reports (src/integrity/csp-report-routes.ts). */
export const cspReportPath = '/csp-reports';
/** The Reporting API endpoint name used by `report-to`. */
export const cspReportGroup = 'csp';

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The Content-Security-Policy for a response with this nonce. Exported for tests and the integrity baseline. */
export function contentSecurityPolicy(nonce: string, opts: Pick<SecurityHeaderOptions, 'formActionOrigins' | 'scriptOrigins' | 'hsts'>): string {
  const formAction = ["'self'", ...(opts.formActionOrigins ?? [])].join(' ');
  const scripts = ["'self'", `'nonce-${nonce}'`, ...(opts.scriptOrigins ?? [])].join(' ');
  // T6: no inline script without this response's nonce, no third-party script but approved inventory entries
  // (which the caller never passes for payment pages), nowhere to exfiltrate to.
  // T1/T6: violations are reported and alerted. `report-uri` reaches every browser; `report-to` (the Reporting
  // API) only over HTTPS: Chromium sends Reporting API reports to secure endpoints only, and while a policy
  // names `report-to` it ignores `report-uri`, so on plain HTTP (development) naming it would silence Chromium.
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action ${formAction}`,
    ...(opts.hsts ? ['upgrade-insecure-requests'] : []),
    `report-uri ${cspReportPath}`,
    ...(opts.hsts ? [`report-to ${cspReportGroup}`] : []),
  ].join('; ');
}

/**
 * Headers for every response; the CSP only matters for HTML but costs nothing elsewhere. Every
 * response defaults to `cache-control: no-store` (pages and API answers may carry personal data and
 * must stay out of shared caches); static assets and images set their own long-lived caching.
 */
export function applySecurityHeaders(req: FastifyRequest, reply: FastifyReply, opts: SecurityHeaderOptions) {
  reply.header('content-security-policy', contentSecurityPolicy(req.cspNonce, opts));
  // The Reporting API endpoint named by `report-to` (relative to the page's origin); HTTPS only, see above.
  if (opts.hsts) reply.header('reporting-endpoints', `${cspReportGroup}="${cspReportPath}"`);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
  reply.header(
    'permissions-policy',
    'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), midi=(), display-capture=(), browsing-topics=()',
  );
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('cache-control', 'no-store');
  if (opts.hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}
