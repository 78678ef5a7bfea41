import type { CartOwner } from '../../cart/service.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { PaymentsService } from '../service.ts';
import { t } from './messages.ts';
import type { PaymentClient } from './service.ts';

export function paymentClientOf(owner: CartOwner, ip: string): PaymentClient {
  return { cartKey: owner.customerId !== null ? `c:${owner.customerId}` : owner.tokenHash ? `g:${owner.tokenHash}` : null, ip };
}

/**
 * Checkout asks this before placing a card order: null to go ahead, or the message for the shopper
 * (card-testing limit reached, or card checkout switched off by the file-integrity check).
 */
export async function cardCheckoutRefusal(payments: PaymentsService, methodId: string, client: PaymentClient, locale: Locale): Promise<{ status: 429 | 409; message: string } | null> {
  if (methodId !== 'card') return null;
  const verdict = await payments.card.admit(client);
  if (verdict === 'ok') return null;
  return verdict === 'limited' ? { status: 429, message: t(locale, 'limitedBody') } : { status: 409, message: t(locale, 'unavailable') };
}
