import type Stripe from 'stripe';
import type { Config } from '../../platform/config.ts';
import { hostedPageOrigin, stripeClient } from '../card/provider.ts';
import { webhookToleranceSeconds, type PaymentProvider, type PaymentSnapshot, type PaymentState, type ProviderEvent } from '../provider.ts';

/** Stripe's events the store acts on; any other verified event is recorded and ignored. */
const handled = new Set(['checkout.session.completed', 'checkout.session.expired', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.amount_capturable_updated', 'payment_intent.canceled', 'charge.refunded', 'charge.captured']);

/** What Stripe says about the payment, reduced to our state. */
function stateOf(s: Stripe.Checkout.Session, pi: Stripe.PaymentIntent | null, charge: Stripe.Charge | null): PaymentState {
  if (!pi) return s.status === 'expired' ? 'expired' : 'open';
  switch (pi.status) {
    case 'succeeded': {
      const refunded = charge?.amount_refunded ?? 0;
      if (refunded > 0 && refunded >= pi.amount_received) return 'refunded';
      return refunded > 0 ? 'partially_refunded' : 'paid';
    }
    case 'requires_capture':
      return 'authorized';
    case 'canceled':
      return s.status === 'complete' ? 'voided' : 'expired';
    case 'requires_action':
    case 'processing':
      return s.status === 'expired' ? 'expired' : 'processing';
    default:
      if (s.status === 'expired') return 'expired';
      return pi.last_payment_error ? 'failed' : 'open';
  }
}

/**
 * The Stripe adapter (Checkout Sessions through the official `stripe` package), pointed at Stripe itself or at
 * the sandbox gateway (PAYMENT_PROVIDER=sandbox), which speaks the same API subset on its own origin.
 */
export function stripeProvider(config: Config): PaymentProvider {
  let client: Stripe | null = null;
  const stripe = () => (client ??= stripeClient(config));

  return {
    id: 'stripe',
    methods: ['card'],
    signatureHeader: 'stripe-signature',
    hostedOrigin: () => hostedPageOrigin(config),

    async createHostedPayment(r) {
      if (r.method !== 'card') throw new Error(`stripe adapter: method ${r.method} is not offered`);
      const s = await stripe().checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: 'jpy', unit_amount: r.amount, product_data: { name: r.locale === 'ja' ? `ご注文 ${r.orderNumber}` : `Order ${r.orderNumber}` } } }],
          success_url: r.successUrl.includes('{CHECKOUT_SESSION_ID}') ? r.successUrl : `${r.successUrl}${r.successUrl.includes('?') ? '&' : '?'}session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: r.cancelUrl,
          customer_email: r.email,
          client_reference_id: r.orderNumber,
          locale: r.locale,
          expires_at: Math.floor(r.expiresAt.getTime() / 1000),
          metadata: { order_number: r.orderNumber },
          payment_intent_data: { capture_method: r.capture, metadata: { order_number: r.orderNumber } },
        },
        { idempotencyKey: r.idempotencyKey },
      );
      if (!s.url) throw new Error('stripe adapter: the session has no hosted page');
      return { id: s.id, url: s.url, paymentRef: typeof s.payment_intent === 'string' ? s.payment_intent : null };
    },

    async readPayment(sessionId): Promise<PaymentSnapshot> {
      const s = await stripe().checkout.sessions.retrieve(sessionId, { expand: ['payment_intent', 'payment_intent.payment_method', 'payment_intent.latest_charge'] });
      const pi = s.payment_intent && typeof s.payment_intent === 'object' ? s.payment_intent : null;
      const charge = pi?.latest_charge && typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
      const card = (pi?.payment_method && typeof pi.payment_method === 'object' ? pi.payment_method.card : null) ?? charge?.payment_method_details?.card ?? null;
      return {
        sessionId: s.id,
        state: stateOf(s, pi, charge),
        url: s.status === 'open' ? s.url : null,
        completed: s.status === 'complete',
        paymentRef: pi?.id ?? null,
        method: 'card',
        amountRefunded: charge?.amount_refunded ?? 0,
        card: card ? { brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year } : null,
        instructions: null,
      };
    },

    async closeSession(sessionId) {
      try {
        await stripe().checkout.sessions.expire(sessionId);
      } catch (err) {
        if ((err as { type?: string }).type !== 'StripeInvalidRequestError') throw err; // already complete or expired
      }
    },

    verifyWebhook(raw, signature) {
      let event: Stripe.Event;
      try {
        event = stripe().webhooks.constructEvent(raw, signature ?? '', config.stripeWebhookSecret, webhookToleranceSeconds);
      } catch (err) {
        const message = (err as Error).message ?? '';
        const reason = /tolerance/i.test(message) ? 'timestamp' : (err as { type?: string }).type === 'StripeSignatureVerificationError' ? 'signature' : 'malformed';
        return { ok: false, reason };
      }
      return { ok: true, event: neutralEvent(event) };
    },

    async capture(paymentRef, key) {
      await stripe().paymentIntents.capture(paymentRef, {}, { idempotencyKey: key });
    },
    async void(paymentRef, key) {
      await stripe().paymentIntents.cancel(paymentRef, {}, { idempotencyKey: key });
    },
    async refund(paymentRef, amount, key, orderNumber) {
      const refund = await stripe().refunds.create({ payment_intent: paymentRef, amount, metadata: { order_number: orderNumber } }, { idempotencyKey: key });
      return { id: refund.id };
    },
  };
}

function neutralEvent(event: Stripe.Event): ProviderEvent {
  const object = event.data.object as unknown as { id: string; object: string; metadata?: Record<string, string> | null; payment_intent?: string | { id: string } | null };
  const sessionId = object.object === 'checkout.session' ? object.id : null;
  const paymentRef = object.object === 'payment_intent' ? object.id : typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent?.id ?? null;
  let kind: ProviderEvent['kind'] = handled.has(event.type) ? 'state_changed' : 'ignored';
  let failure: ProviderEvent['failure'] = null;
  if (event.type === 'payment_intent.payment_failed') {
    kind = 'payment_failed';
    const error = (event.data.object as Stripe.PaymentIntent).last_payment_error;
    failure = { code: error?.decline_code ?? error?.code ?? 'unknown', fingerprint: error?.payment_method?.card?.fingerprint ?? null, authentication: /authenticat|3ds|three_d/i.test(error?.code ?? '') };
  }
  if (event.type === 'payment_intent.succeeded' || event.type === 'payment_intent.amount_capturable_updated') kind = 'payment_succeeded';
  return { id: event.id, type: event.type, kind, sessionId, paymentRef, orderNumber: object.metadata?.order_number ?? null, failure };
}
