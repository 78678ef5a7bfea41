import { formValues } from '../../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../../admin/layout.ts';
import { AppError, errorMessage } from '../../platform/http/errors.ts';
import { parseInput } from '../../platform/http/forms.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import { t2 } from './admin-messages.ts';
import { staffPage, type StaffPageState } from './admin-staff-views.ts';
import { staffThrottle } from './admin-throttle.ts';
import { notifyTwoFactorChanged } from '../notifications.ts';
import { t } from '../messages.ts';
import { changeStaffRole, insertStaff, listStaff, newStaffSchema, setStaffActive, staffRoles } from './staff-accounts.ts';
import type { StaffRole } from '../tables.ts';
import { resetTotp } from '../two-factor/totp.ts';

const notices = { added: 'staffAdded', deactivated: 'staffDeactivated', reactivated: 'staffReactivated' } as const;
const notices2 = { reset2fa: 'staff2faReset', unlocked: 'staffUnlocked', role: 'staffRoleChanged' } as const;
const refusals = { self: 'cannotDeactivateSelf', last_owner: 'lastOwner' } as const;
const roleSchema = z.object({ role: z.enum(staffRoles as [StaffRole, ...StaffRole[]], { error: 'choice' }) });

function staffId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

/**
 * Staff accounts (T4: only `staff.manage`, i.e. owners, can add people or change who may sign in).
 * Every change needs a step-up re-authentication and ends the target's sessions where it changes
 * what they may do.
 */
export const adminStaffRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;

  async function render(req: FastifyRequest, reply: FastifyReply, state: Partial<StaffPageState>, status = 200) {
    const throttle = staffThrottle(s);
    const rows = await listStaff(db);
    // Sign-in lockouts (login throttle), so the owner sees whom to unlock.
    const staff = await Promise.all(rows.map(async (r) => ({ ...r, locked: await throttle.status('admin', r.email).then((st) => st.locked, () => null) })));
    const body = staffPage(req.locale, { staff, currentStaffId: req.staff!.id, notice: null, alert: null, values: {}, errors: {}, ...state });
    return sendHtml(reply, adminPage(req, { title: t(req.locale, 'staffTitle'), body, section: '/admin/staff' }), status);
  }

  app.get('/staff', { config: { permission: 'staff.manage' } }, async (req, reply) => {
    const done = (req.query as Record<string, unknown>).done;
    const notice =
      typeof done === 'string' && done in notices
        ? t(req.locale, notices[done as keyof typeof notices])
        : typeof done === 'string' && done in notices2
          ? t2(req.locale, notices2[done as keyof typeof notices2])
          : null;
    return render(req, reply, { notice });
  });

  app.post('/staff', { config: { permission: 'staff.manage', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const parsed = parseInput(newStaffSchema, req.body, l);
    if (!parsed.ok) return render(req, reply, { values, errors: parsed.errors, alert: errorMessage('validation', l) }, 422);
    const id = await insertStaff(db, parsed.data);
    if (id === null) return render(req, reply, { values, errors: { email: t(l, 'staffEmailTaken') }, alert: errorMessage('validation', l) }, 422);
    return redirectAfterPost(reply, '/admin/staff?done=added');
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/staff/:id/${action}`, { config: { permission: 'staff.manage', stepUp: true } }, async (req, reply) => {
      const result = await setStaffActive(db, req.staff!.id, staffId(req), action === 'reactivate');
      if (result === 'not_found') throw new AppError('not_found');
      if (result !== 'ok') return render(req, reply, { alert: t(req.locale, refusals[result]) }, 409);
      return redirectAfterPost(reply, `/admin/staff?done=${action}d`);
    });
  }

  app.post('/staff/:id/role', { config: { permission: 'staff.manage', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const id = staffId(req);
    const parsed = parseInput(roleSchema, req.body, l);
    if (!parsed.ok) return render(req, reply, { alert: errorMessage('validation', l) }, 422);
    const result = await changeStaffRole(db, req.staff!.id, id, parsed.data.role);
    if (result === 'not_found') throw new AppError('not_found');
    if (result === 'self') return render(req, reply, { alert: t2(l, 'cannotChangeOwnRole') }, 409);
    if (result === 'last_owner') return render(req, reply, { alert: t(l, 'lastOwner') }, 409);
    return redirectAfterPost(reply, '/admin/staff?done=role');
  });

  // T4: an owner resets a lost or compromised authenticator: re-enrolment at the next sign-in.
  app.post('/staff/:id/reset-2fa', { config: { permission: 'staff.manage', stepUp: true } }, async (req, reply) => {
    const id = staffId(req);
    if (id === req.staff!.id) throw new AppError('conflict');
    if (!(await resetTotp(db, req.staff!.id, id))) throw new AppError('not_found');
    const shopName = (await s.shop.get()).name;
    await notifyTwoFactorChanged(db, { staffId: id }, 'reset', { ip: req.ip, userAgent: req.headers['user-agent'] }, { shopName, publicUrl: s.ctx.config.publicUrl });
    return redirectAfterPost(reply, '/admin/staff?done=reset2fa');
  });

  // Lifts a sign-in lockout (the throttle locks staff accounts after repeated failures).
  app.post('/staff/:id/unlock', { config: { permission: 'staff.manage' } }, async (req, reply) => {
    const id = staffId(req);
    const target = await db.selectFrom('staff').select('email').where('id', '=', id).executeTakeFirst();
    if (!target) throw new AppError('not_found');
    await staffThrottle(s).unlock('admin', target.email);
    await db.insertInto('staff_security_event').values({ actor_staff_id: req.staff!.id, target_staff_id: id, action: 'sign_in_unlocked' }).execute();
    return redirectAfterPost(reply, '/admin/staff?done=unlocked');
  });
};
