import type { Config } from '../../platform/config.ts';
import type { PaymentProvider, ProviderId } from '../provider.ts';
import { komojuProvider } from './komoju.ts';
import { stripeProvider } from './stripe.ts';

/** The configured providers: Stripe (or its sandbox) always, KOMOJU when its keys (or its sandbox) are set. */
export interface PaymentProviders {
  /** The adapter for a stored payment's provider name (`card_payment.provider`). */
  of(stored: string): PaymentProvider;
  /** The provider new payments use: the shop's choice when configured, else Stripe. */
  chosen(id: ProviderId): PaymentProvider;
  all(): PaymentProvider[];
  /** The name stored on a payment row: Stripe rows keep PAYMENT_PROVIDER (sandbox/stripe) as before. */
  storedName(p: PaymentProvider): string;
  configured(id: ProviderId): boolean;
}

export function createPaymentProviders(config: Config): PaymentProviders {
  const stripe = stripeProvider(config);
  const komoju = komojuProvider(config);
  const komojuReady = () => !!(config.komojuApiUrl && config.komojuSecretKey);
  return {
    of: (stored) => (stored === 'komoju' ? komoju : stripe),
    chosen: (id) => (id === 'komoju' && komojuReady() ? komoju : stripe),
    all: () => (komojuReady() ? [stripe, komoju] : [stripe]),
    storedName: (p) => (p.id === 'komoju' ? 'komoju' : config.paymentProvider),
    configured: (id) => (id === 'komoju' ? komojuReady() : true),
  };
}
