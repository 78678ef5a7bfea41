import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../platform/http/errors.ts';
import { intFromForm } from '../platform/http/fields.ts';
import { parseInput } from '../platform/http/forms.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { t } from './messages.ts';
import { cartOwnerOf, newCartToken, setCartCookie } from './owner.ts';
import type { CartOwner } from './service.ts';
import { cartPage, type CartPageState } from './views.ts';

const addSchema = z.object({ variant_id: intFromForm(1, 2_147_483_647), quantity: intFromForm(1, 99) });
const setSchema = z.object({ quantity: intFromForm(0, 99) });
const variantParam = intFromForm(1, 2_147_483_647);
const notices = new Set(['added', 'updated', 'removed'] as const);

export const cartStoreRoutes: RouteModule = (app, s) => {
  app.get('/cart', async (req, reply) => {
    const notice = (req.query as { notice?: string }).notice;
    const state: CartPageState = { notice: notices.has(notice as never) ? (notice as CartPageState['notice']) : undefined };
    return renderCart(req, reply, s, cartOwnerOf(req, s.cookies), state);
  });

  app.post('/cart/items', async (req, reply) => {
    const parsed = parseInput(addSchema, req.body, req.locale);
    if (!parsed.ok) {
      const message = parsed.errors.variant_id ? t(req.locale, 'unknownVariant') : `${t(req.locale, 'quantity')}: ${parsed.errors.quantity}`;
      return renderCart(req, reply, s, cartOwnerOf(req, s.cookies), { error: message }, 422);
    }
    const { owner, token } = await writableOwner(req, s);
    try {
      await s.cart.add(owner, parsed.data.variant_id, parsed.data.quantity, req.locale);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return renderCart(req, reply, s, cartOwnerOf(req, s.cookies), { error: err.localized(req.locale) }, err.status);
    }
    if (token) setCartCookie(reply, s.cookies, token);
    return redirectAfterPost(reply, '/cart?notice=added');
  });

  app.post('/cart/items/:variantId', async (req, reply) => {
    const owner = cartOwnerOf(req, s.cookies);
    const variantId = variantParam.safeParse((req.params as { variantId: string }).variantId);
    if (!variantId.success) throw new AppError('not_found');
    const parsed = parseInput(setSchema, req.body, req.locale);
    const typed = String((req.body as Record<string, unknown> | undefined)?.quantity ?? '').slice(0, 10);
    if (!parsed.ok) return renderCart(req, reply, s, owner, { lineError: { variantId: variantId.data, message: parsed.errors.quantity ?? '', value: typed } }, 422);
    try {
      await s.cart.setQuantity(owner, variantId.data, parsed.data.quantity, req.locale);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const state: CartPageState = err.code === 'not_found' ? { error: err.localized(req.locale) } : { lineError: { variantId: variantId.data, message: err.localized(req.locale), value: typed } };
      return renderCart(req, reply, s, owner, state, err.status);
    }
    return redirectAfterPost(reply, `/cart?notice=${parsed.data.quantity === 0 ? 'removed' : 'updated'}`);
  });

  app.post('/cart/items/:variantId/delete', async (req, reply) => {
    const variantId = variantParam.safeParse((req.params as { variantId: string }).variantId);
    if (!variantId.success) throw new AppError('not_found');
    await s.cart.remove(cartOwnerOf(req, s.cookies), variantId.data);
    return redirectAfterPost(reply, '/cart?notice=removed');
  });
};

/**
 * The owner a write goes to. A guest keeps their cookie only if it names a cart we issued;
 * otherwise a fresh token is made, so a token planted in the browser is never adopted (fixation).
 */
async function writableOwner(req: FastifyRequest, s: Services): Promise<{ owner: CartOwner; token?: string }> {
  const current = cartOwnerOf(req, s.cookies);
  if (current.customerId !== null) return { owner: current };
  if (current.tokenHash !== null && (await s.cart.exists(current))) return { owner: current };
  const fresh = newCartToken();
  return { owner: { customerId: null, tokenHash: fresh.tokenHash, isNew: true }, token: fresh.token };
}

async function renderCart(req: FastifyRequest, reply: FastifyReply, s: Services, owner: CartOwner, state: CartPageState, status = 200) {
  const [chrome, cart, settings] = await Promise.all([s.chrome(req), s.cart.view(owner, req.locale), s.shop.get()]);
  return sendHtml(reply, cartPage(req, chrome, cart, settings, state), status);
}
