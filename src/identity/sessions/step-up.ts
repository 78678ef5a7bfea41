import type { FastifyRequest } from 'fastify';
import { safeNextPath } from './redirects.ts';
import type { StaffSession } from './sessions.ts';

/** A step-up re-authentication (password + fresh TOTP) lasts 5 minutes on its session (T4). */
export const stepUpLifetimeMs = 5 * 60_000;

export function stepUpFresh(session: Pick<StaffSession, 'stepUpAt'>, nowMs = Date.now()): boolean {
  return session.stepUpAt !== null && nowMs - session.stepUpAt.getTime() < stepUpLifetimeMs && session.stepUpAt.getTime() <= nowMs + 60_000;
}

/**
 * Where to send a request that needs a step-up first. A GET comes back to itself; a form post
 * cannot be replayed, so it comes back to the page the form was on (its same-origin Referer, an
 * /admin path only), to be submitted again.
 */
export function stepUpRedirect(req: FastifyRequest): string {
  let back = '/admin';
  if (req.method === 'GET' || req.method === 'HEAD') back = req.url;
  else {
    const referer = req.headers.referer;
    if (typeof referer === 'string') {
      try {
        const url = new URL(referer);
        if (url.host === req.host) back = url.pathname + url.search;
      } catch {
        // ignore: a malformed Referer means no way back
      }
    }
  }
  return `/admin/step-up?next=${encodeURIComponent(safeNextPath(back, '/admin', '/admin'))}`;
}
