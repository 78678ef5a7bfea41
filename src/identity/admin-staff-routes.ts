import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { AppError, errorMessage } from '../platform/http/errors.ts';
import { parseInput } from '../platform/http/forms.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { staffPage, type StaffPageState } from './admin-staff-views.ts';
import { formValues } from './form-ui.ts';
import { t } from './messages.ts';
import { insertStaff, listStaff, newStaffSchema, setStaffActive } from './staff-accounts.ts';

const notices = { added: 'staffAdded', deactivated: 'staffDeactivated', reactivated: 'staffReactivated' } as const;
const refusals = { self: 'cannotDeactivateSelf', last_owner: 'lastOwner' } as const;

function staffId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

/** Staff accounts (T4: only `staff.manage`, i.e. owners, can add people or change who may sign in). */
export const adminStaffRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;

  async function render(req: FastifyRequest, reply: FastifyReply, state: Partial<StaffPageState>, status = 200) {
    const body = staffPage(req.locale, { staff: await listStaff(db), currentStaffId: req.staff!.id, notice: null, alert: null, values: {}, errors: {}, ...state });
    return sendHtml(reply, adminPage(req, { title: t(req.locale, 'staffTitle'), body, section: '/admin/staff' }), status);
  }

  app.get('/staff', { config: { permission: 'staff.manage' } }, async (req, reply) => {
    const done = (req.query as Record<string, unknown>).done;
    const notice = typeof done === 'string' && done in notices ? t(req.locale, notices[done as keyof typeof notices]) : null;
    return render(req, reply, { notice });
  });

  app.post('/staff', { config: { permission: 'staff.manage' } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const parsed = parseInput(newStaffSchema, req.body, l);
    if (!parsed.ok) return render(req, reply, { values, errors: parsed.errors, alert: errorMessage('validation', l) }, 422);
    const id = await insertStaff(db, parsed.data);
    if (id === null) return render(req, reply, { values, errors: { email: t(l, 'staffEmailTaken') }, alert: errorMessage('validation', l) }, 422);
    return redirectAfterPost(reply, '/admin/staff?done=added');
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/staff/:id/${action}`, { config: { permission: 'staff.manage' } }, async (req, reply) => {
      const result = await setStaffActive(db, req.staff!.id, staffId(req), action === 'reactivate');
      if (result === 'not_found') throw new AppError('not_found');
      if (result !== 'ok') return render(req, reply, { alert: t(req.locale, refusals[result]) }, 409);
      return redirectAfterPost(reply, `/admin/staff?done=${action}d`);
    });
  }
};
