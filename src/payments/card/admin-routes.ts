import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/http/errors.ts';
import { redirectAfterPost } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import type { CardAdminNotice } from './admin-views.ts';

function orderIdOf(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
}

/** Refund (full or partial), capture and void of a card order, from its admin page. Each goes through the provider. */
export const cardAdminRoutes: RouteModule = (app, s) => {
  const back = (id: number, notice: CardAdminNotice) => `/admin/orders/${id}?card=${notice}`;
  async function run(id: number, action: () => Promise<CardAdminNotice>): Promise<CardAdminNotice> {
    if (!(await s.orders.byId(id))) throw new AppError('not_found');
    try {
      return await action();
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation') return 'amount';
      if (err instanceof AppError && err.code === 'conflict') return 'state';
      s.ctx.log.error({ err: (err as Error).message, order: id }, 'card admin action failed');
      return 'provider';
    }
  }

  app.post('/orders/:id/card/refund', { config: { permission: 'orders.write' } }, async (req, reply) => {
    const id = orderIdOf(req);
    const raw = String((req.body as Record<string, unknown> | undefined)?.amount ?? '').normalize('NFKC').replace(/[,\s円¥]/g, '');
    if (raw !== '' && !/^\d{1,9}$/.test(raw)) return redirectAfterPost(reply, back(id, 'amount'));
    const notice = await run(id, async () => {
      const result = await s.payments.card.refund(id, raw === '' ? null : Number(raw), req.staff!.id, req.locale);
      return result.replayed ? 'replayed' : 'refunded';
    });
    return redirectAfterPost(reply, back(id, notice));
  });

  app.post('/orders/:id/card/capture', { config: { permission: 'orders.write' } }, async (req, reply) => {
    const id = orderIdOf(req);
    const notice = await run(id, async () => (await s.payments.card.capture(id, req.locale), 'captured'));
    return redirectAfterPost(reply, back(id, notice));
  });

  app.post('/orders/:id/card/void', { config: { permission: 'orders.write' } }, async (req, reply) => {
    const id = orderIdOf(req);
    const notice = await run(id, async () => (await s.payments.card.void(id, req.locale), 'voided'));
    return redirectAfterPost(reply, back(id, notice));
  });
};
