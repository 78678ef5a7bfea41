import { t } from '../messages.ts';
import type { PurchaseProcessor } from './context.ts';

/** Issue 16: a 時間帯指定 must be one the shop offers now (set in 送料・配送設定); empty means no preference. */
export const deliverySlot: PurchaseProcessor = (ctx) => {
  const slot = ctx.input.deliverySlot ?? '';
  if (slot && !(ctx.settings.shipping.time_slots as readonly string[]).includes(slot)) ctx.errors.delivery_slot = t(ctx.locale, 'slotUnavailable');
};
