import { AppError } from '../../platform/http/errors.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/** Nothing is sold from an empty cart, nor a line that is unpublished or short of stock. */
export const validateLines: PurchaseProcessor = (ctx) => {
  if (ctx.cart.lines.length === 0) throw new AppError('conflict', { message: t(ctx.locale, 'emptyCart') });
  if (!ctx.cart.blocked) return;
  const stock = ctx.cart.lines.some((l) => l.problem === 'sold_out' || l.problem === 'short');
  throw new AppError('sold_out', { message: t(ctx.locale, stock ? 'stockShort' : 'cartProblem') });
};
