import { formValues } from '../../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../../admin/layout.ts';
import { AppError } from '../../platform/http/errors.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import { t2 } from './admin-messages.ts';
import { emergencyActions, emergencyHistory, runEmergencyAction, type EmergencyAction } from './emergency.ts';
import { emergencyPage, type EmergencyPageState } from './emergency-views.ts';
import { sessionCookie } from '../sessions/sessions.ts';
import { rotateStaffSession } from './staff-sign-in.ts';

/** Owner-only emergency actions (permission `security.emergency`), each behind step-up and a typed confirmation. */
export const emergencyRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const cookie = sessionCookie(s.cookies, 'admin');

  async function render(req: FastifyRequest, reply: FastifyReply, state: Partial<EmergencyPageState>, status = 200) {
    const shopName = (await s.shop.get()).name;
    const body = emergencyPage(req.locale, { shopName, notice: null, alert: null, failed: null, history: await emergencyHistory(db), ...state });
    return sendHtml(reply, adminPage(req, { title: t2(req.locale, 'emergencyTitle'), body, section: '/admin/security/emergency' }), status);
  }

  app.get('/security/emergency', { config: { permission: 'security.emergency' } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const n = (k: string) => (typeof q[k] === 'string' && /^\d{1,9}$/.test(q[k]) ? Number(q[k]) : 0);
    const notice = q.done === '1' ? t2(req.locale, 'emergencyDone', { sessions: n('sessions'), customers: n('customers'), staff: n('staff') }) : null;
    return render(req, reply, { notice });
  });

  app.post('/security/emergency/:action', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const action = (req.params as { action?: string }).action as EmergencyAction;
    if (!emergencyActions.includes(action)) throw new AppError('not_found');
    const shopName = (await s.shop.get()).name;
    const typed = (formValues(req.body)[`confirm-${action}`] ?? '').normalize('NFKC').trim();
    // An explicit confirmation: the shop name typed by hand, so no stray click revokes everything.
    if (typed !== shopName.normalize('NFKC').trim()) return render(req, reply, { alert: t2(req.locale, 'emergencyConfirmWrong'), failed: action }, 422);
    const session = req.adminSession!;
    const counts = await runEmergencyAction(db, { action, actor: { id: session.staff.id, email: session.staff.email }, actorSessionHash: session.idHash, shopName, publicUrl: s.ctx.config.publicUrl, vault: s.ctx.vault });
    if (action === 'revoke_sessions') {
      // The acting owner's session survives with a new id (its old id might be the leaked one).
      const token = await rotateStaffSession(db, req, session.staff.id, session.idHash, { secondFactorAt: session.secondFactorAt, stepUpAt: session.stepUpAt });
      reply.setCookie(cookie.name, token, cookie.options);
    }
    req.log.warn({ action, staffId: session.staff.id, ...counts }, 'emergency action');
    return redirectAfterPost(reply, `/admin/security/emergency?done=1&sessions=${counts.sessions}&customers=${counts.customers}&staff=${counts.staff}`);
  });
};
