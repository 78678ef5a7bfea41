import { containsCardNumber } from '../../platform/card-numbers/card-numbers.ts';
import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/** T2: a card number typed into a free-text field is refused with a clear message, never stored. */
export const rejectCardNumbers: PurchaseProcessor = (ctx) => {
  const { shipping, note } = ctx.input;
  const fields = { name: shipping.name, city: shipping.city, line1: shipping.line1, line2: shipping.line2, note };
  for (const [field, value] of Object.entries(fields)) if (containsCardNumber(value)) ctx.errors[field] = t(ctx.locale, 'cardNumber');
};
