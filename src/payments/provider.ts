import type { Locale } from '../platform/i18n/index.ts';

/**
 * The payment seam: what omamori asks of a payment provider, in its own words. Every provider (Stripe,
 * KOMOJU) is an adapter behind this interface; nothing outside `payments/providers/` knows a provider's
 * types. T1/T5: every method is paid on the provider's hosted page on its own origin, so no card number
 * ever reaches our pages, server or database.
 */

/** The providers omamori has an adapter for. */
export type ProviderId = 'stripe' | 'komoju';

/** The ways of paying on a provider's hosted page. card: with 3-D Secure; konbini/payeasy: paid later in cash or at a bank. */
export type HostedMethod = 'card' | 'konbini' | 'paypay' | 'payeasy';
export const hostedMethods: readonly HostedMethod[] = ['card', 'konbini', 'paypay', 'payeasy'];

/** Methods paid after the shopper leaves the hosted page (the order waits for the money until a deadline). */
export const asyncMethods: readonly HostedMethod[] = ['konbini', 'payeasy'];

/** Where a payment stands, reduced to what the store acts on (the provider is the truth, not the event order). */
export type PaymentState = 'open' | 'processing' | 'failed' | 'authorized' | 'paid' | 'partially_refunded' | 'refunded' | 'expired' | 'voided';

export interface HostedPaymentRequest {
  orderNumber: string;
  /** tax-inclusive JPY */
  amount: number;
  email: string;
  locale: Locale;
  method: HostedMethod;
  capture: 'automatic' | 'manual';
  /** where the provider sends the shopper after paying (never proof of payment) */
  successUrl: string;
  /** where the provider sends the shopper who gives up */
  cancelUrl: string;
  /** the hosted page stops accepting a payment at this time */
  expiresAt: Date;
  /** the same key sends the same request: a retried create makes one session */
  idempotencyKey: string;
}

export interface HostedPayment {
  /** the provider's session id: our reference to this payment */
  id: string;
  /** the hosted page (on the provider's origin) */
  url: string;
  /** the provider's payment id, when it exists already */
  paymentRef: string | null;
}

/** Instructions for a payment made later (コンビニ決済, Pay-easy): what the shopper takes to the store or bank. */
export interface AsyncInstructions {
  method: HostedMethod;
  /** the convenience-store chain (e.g. lawson) or the bank network */
  store: string | null;
  /** the payment number (受付番号 / お客様番号) */
  receipt: string | null;
  /** the confirmation number (確認番号), where the chain needs one */
  confirmationCode: string | null;
  /** the provider's page with the full instructions */
  url: string | null;
  /** after this the payment can no longer be made (the stock returns) */
  deadline: Date | null;
}

/** What a server-to-server read of a payment says. */
export interface PaymentSnapshot {
  sessionId: string;
  state: PaymentState;
  /** the hosted page while the session is open and payable, else null */
  url: string | null;
  /** the session was completed (a payment was made or is waiting for cash) */
  completed: boolean;
  paymentRef: string | null;
  method: HostedMethod | null;
  amountRefunded: number;
  /** T5: brand, last 4 and expiry only, for the receipt and the order page */
  card: { brand: string | null; last4: string | null; expMonth: number | null; expYear: number | null } | null;
  instructions: AsyncInstructions | null;
}

/** A verified webhook, in neutral terms. The store applies it by reading the payment back (never trusting the payload). */
export interface ProviderEvent {
  id: string;
  /** the provider's own event name (kept in payment_event) */
  type: string;
  kind: 'payment_succeeded' | 'payment_failed' | 'state_changed' | 'ignored';
  sessionId: string | null;
  paymentRef: string | null;
  orderNumber: string | null;
  /** for declines: the reason (kept for detection only), the provider's keyed hash of the card, and whether 3-D Secure failed */
  failure: { code: string; fingerprint: string | null; authentication: boolean } | null;
}

export type WebhookVerdict = { ok: true; event: ProviderEvent } | { ok: false; reason: 'signature' | 'timestamp' | 'malformed' };

export interface PaymentProvider {
  readonly id: ProviderId;
  /** The methods this provider's hosted page offers. */
  readonly methods: readonly HostedMethod[];
  /** The hosted page's origin (CSP form-action); null while the provider is not configured. */
  hostedOrigin(): string | null;
  /** The request header that carries the webhook signature. */
  readonly signatureHeader: string;
  createHostedPayment(request: HostedPaymentRequest): Promise<HostedPayment>;
  readPayment(sessionId: string): Promise<PaymentSnapshot>;
  /** Closes an open session so it can no longer be paid (already complete or expired: nothing to do). */
  closeSession(sessionId: string): Promise<void>;
  /** Checks the signature (and age) over the exact bytes received, then parses. Never throws. */
  verifyWebhook(raw: Buffer, signature: string | undefined): WebhookVerdict;
  capture(paymentRef: string, idempotencyKey: string): Promise<void>;
  void(paymentRef: string, idempotencyKey: string): Promise<void>;
  refund(paymentRef: string, amount: number, idempotencyKey: string, orderNumber: string): Promise<{ id: string }>;
}

/** Webhooks older than this are refused (replay defence), as Stripe's libraries do by default. */
export const webhookToleranceSeconds = 300;
