import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { hashToken } from '../platform/crypto/tokens.ts';
import { errorMessage } from '../platform/http/errors.ts';
import { parseInput } from '../platform/http/forms.ts';
import type { SafeHtml } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { setupForm, setupUnavailable, staffSignInForm } from './admin-auth-views.ts';
import { formValues } from './form-ui.ts';
import { t } from './messages.ts';
import { safeNextPath } from './redirects.ts';
import { deleteSession, sessionCookie } from './sessions.ts';
import { createFirstOwner, setupTokenUsable } from './setup-token.ts';
import { startStaffSession } from './sign-in.ts';
import { authenticateStaff, ownerSchema, staffSignInSchema } from './staff-accounts.ts';

const adminNext = (next: unknown) => safeNextPath(next, '/admin', '/admin');

function page(req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200) {
  return sendHtml(reply, adminPage(req, { title, body }), status);
}

/** Staff sign-in/out and the one-time first-owner setup: the admin console's public routes. */
export const adminAuthRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const cookie = sessionCookie(s.cookies, 'admin');
  const previousSessionHash = (req: FastifyRequest) => {
    const token = req.cookies[cookie.name];
    return token ? hashToken(token) : null;
  };
  const signIn = async (req: FastifyRequest, reply: FastifyReply, staffId: number, next: string) => {
    const token = await startStaffSession(db, req, { staffId, previousSessionHash: previousSessionHash(req) });
    reply.setCookie(cookie.name, token, cookie.options);
    return redirectAfterPost(reply, next);
  };

  app.get('/sign-in', { config: { public: true } }, async (req, reply) => {
    const next = adminNext((req.query as Record<string, unknown>).next);
    if (req.staff) return reply.redirect(next, 303);
    return page(req, reply, t(req.locale, 'staffSignInTitle'), staffSignInForm(req.locale, {}, {}, null, next));
  });

  app.post('/sign-in', { config: { public: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const next = adminNext(values.next);
    const parsed = parseInput(staffSignInSchema, req.body, l);
    if (!parsed.ok) return page(req, reply, t(l, 'staffSignInTitle'), staffSignInForm(l, values, parsed.errors, errorMessage('validation', l), next), 422);
    // Throttling and lockout will hook in here; a TOTP step will follow a correct password.
    const staff = await authenticateStaff(db, parsed.data.email, parsed.data.password);
    if (!staff) return page(req, reply, t(l, 'staffSignInTitle'), staffSignInForm(l, values, {}, t(l, 'signInFailed'), next), 401);
    return signIn(req, reply, staff.id, next);
  });

  app.post('/sign-out', { config: { public: true } }, async (req, reply) => {
    const hash = previousSessionHash(req);
    if (hash) await deleteSession(db, hash);
    reply.clearCookie(cookie.name, cookie.options);
    return redirectAfterPost(reply, '/admin/sign-in');
  });

  app.get('/setup', { config: { public: true } }, async (req, reply) => {
    const l = req.locale;
    const token = (req.query as Record<string, unknown>).token;
    if (typeof token !== 'string' || !(await setupTokenUsable(db, token))) return page(req, reply, t(l, 'setupTitle'), setupUnavailable(l), 403);
    // The link carries a secret; the global `Referrer-Policy: same-origin` keeps it from other sites.
    // (Not `no-referrer`: browsers would then send `Origin: null` and the CSRF check would refuse the form.)
    return page(req, reply, t(l, 'setupTitle'), setupForm(l, token, {}, {}, null));
  });

  app.post('/setup', { config: { public: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const token = values.token ?? '';
    if (!(await setupTokenUsable(db, token))) return page(req, reply, t(l, 'setupTitle'), setupUnavailable(l), 403);
    const parsed = parseInput(ownerSchema, req.body, l);
    if (!parsed.ok) return page(req, reply, t(l, 'setupTitle'), setupForm(l, token, values, parsed.errors, errorMessage('validation', l)), 422);
    const ownerId = await createFirstOwner(db, token, parsed.data);
    if (ownerId === null) return page(req, reply, t(l, 'setupTitle'), setupUnavailable(l), 403);
    return signIn(req, reply, ownerId, '/admin');
  });
};
