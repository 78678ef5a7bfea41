import type { ConsoleFrame } from '../admin/context.ts';
import { adminAccessPolicy } from '../identity/staff/admin-access.ts';
import { readStaffSession, sessionCookie } from '../identity/sessions/sessions.ts';
import { stepUpFresh, stepUpRedirect } from '../identity/sessions/step-up.ts';
import { cardCheckoutBanner } from '../integrity/console-banner.ts';
import { can } from '../platform/permissions.ts';
import type { Services } from '../services.ts';

/** The console guard's view of the staff accounts and the integrity checks (admin/ imports neither; issue 11). */
export function consoleFrame(s: Services): ConsoleFrame {
  const access = adminAccessPolicy(s.ctx.config);
  return {
    hostAllowed: (req) => access.hostAllowed(req),
    ipAllowed: (ip) => access.ipAllowed(ip),
    cookie: sessionCookie(s.cookies, 'admin'),
    readSession: (token) => readStaffSession(s.ctx.db, token),
    stepUpFresh: (session) => stepUpFresh(session),
    stepUpRedirect: (req) => stepUpRedirect(req),
    banner(req, session) {
      // T1 fail closed: every console page says so while card checkout is off, until the finding is dealt with.
      const card = s.integrity.cardCheckoutAllowed();
      if (card.allowed || !card.reason || card.reason === 'not_verified' || card.reason === 'pages_not_verified' || !can(session.staff.role, 'security.read')) return null;
      return cardCheckoutBanner(req.locale, card.reason);
    },
  };
}
