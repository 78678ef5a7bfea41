import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import type { Config } from '../../platform/config.ts';

/**
 * The provider client: the official `stripe` package, pointed at Stripe itself or at the sandbox
 * gateway (which speaks the same API subset). Nothing else in omamori talks to the provider.
 */
export function stripeClient(config: Config): Stripe {
  // Loaded on the first card payment: a store that takes none does not carry the SDK in memory.
  const Stripe = createRequire(import.meta.url)('stripe') as typeof import('stripe').default;
  if (config.paymentProvider === 'sandbox') {
    if (!config.sandboxGatewayUrl) throw new Error('the sandbox gateway is not running');
    const u = new URL(config.sandboxGatewayUrl);
    return new Stripe(config.stripeSecretKey, { host: u.hostname, port: Number(u.port), protocol: u.protocol === 'https:' ? 'https' : 'http', maxNetworkRetries: 1, timeout: 10_000 });
  }
  return new Stripe(config.stripeSecretKey, { maxNetworkRetries: 2, timeout: 20_000 });
}

/** The origin of the hosted payment page: forms on our pages may lead there (CSP form-action). */
export function hostedPageOrigin(config: Config): string | null {
  if (config.paymentProvider === 'sandbox') {
    // Behind a reverse proxy the browser reaches the gateway elsewhere than the store's API calls do.
    if (config.sandboxGatewayPublicUrl) return config.sandboxGatewayPublicUrl;
    return config.sandboxGatewayUrl ? new URL(config.sandboxGatewayUrl).origin : null;
  }
  return 'https://checkout.stripe.com';
}
