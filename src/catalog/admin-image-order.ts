import { AppError } from '../platform/http/errors.ts';
import { redirectAfterPost } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { idParam } from './admin-products.ts';

/** Issue 16: images reordered one step at a time (the first image is the one listings show). */
export const imageOrderAdminRoutes: RouteModule = (app, s) => {
  app.post<{ Params: { id: string; iid: string }; Body: { direction?: string } }>('/products/:id/images/:iid/move', { config: { permission: 'catalog.write' } }, async (req, reply) => {
    const id = idParam(req.params.id);
    const iid = idParam(req.params.iid);
    const step = req.body?.direction === 'up' ? -1 : req.body?.direction === 'down' ? 1 : 0;
    if (!step) throw new AppError('validation');
    await s.catalog.write(async (trx) => {
      const images = await trx.selectFrom('product_image').select('id').where('product_id', '=', id).orderBy('position').orderBy('id').forUpdate().execute();
      const from = images.findIndex((i) => i.id === iid);
      if (from < 0) throw new AppError('not_found');
      const to = from + step;
      if (to < 0 || to >= images.length) return;
      const order = images.map((i) => i.id);
      [order[from], order[to]] = [order[to]!, order[from]!];
      // Positions are rewritten 0..n-1, so earlier ties or gaps never make a move a no-op.
      for (const [position, imageId] of order.entries()) await trx.updateTable('product_image').set({ position }).where('id', '=', imageId).execute();
    });
    return redirectAfterPost(reply, `/admin/products/${id}?saved=1#images-heading`);
  });
};
