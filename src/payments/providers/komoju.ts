import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { AsyncInstructions, HostedMethod, PaymentProvider, PaymentSnapshot, PaymentState, ProviderEvent } from '../provider.ts';

/**
 * The KOMOJU adapter (https://doc.komoju.com): REST with HTTP Basic auth (the secret key as user name),
 * Sessions with a hosted page on KOMOJU's own origin, Payments (capture, cancel, refund) and webhooks signed
 * with HMAC-SHA256 of the body in X-Komoju-Signature. POSTs carry X-KOMOJU-IDEMPOTENCY. The demo and the
 * tests point it at the KOMOJU sandbox (komoju-sandbox/), which speaks the subset used here.
 */

/** KOMOJU's payment types for our methods. */
const typeOf: Record<HostedMethod, string> = { card: 'credit_card', konbini: 'konbini', paypay: 'paypay', payeasy: 'pay_easy' };
const methodOf = (type: string | undefined): HostedMethod | null => (Object.entries(typeOf).find(([, v]) => v === type)?.[0] as HostedMethod | undefined) ?? null;

/**
 * KOMOJU signs the body only (no timestamp), so a delivery's age is read from the signed `created_at`. Its
 * retries run for longer than Stripe's tolerance; anything older is refused and the scheduled read-back applies it.
 */
export const komojuWebhookToleranceSeconds = 3600;

export interface KomojuPayment {
  id: string;
  resource: 'payment';
  status: 'pending' | 'authorized' | 'captured' | 'refunded' | 'cancelled' | 'expired' | 'failed';
  amount: number;
  total: number;
  currency: string;
  external_order_num: string | null;
  session: string | null;
  payment_deadline: string | null;
  amount_refunded: number;
  refunds: Array<{ id: string; amount: number }>;
  payment_details: { type: string; brand?: string; last_four_digits?: string; month?: number; year?: number; fingerprint?: string; store?: string; receipt?: string; confirmation_code?: string; instructions_url?: string; customer_id?: string; confirmation_id?: string; bank_id?: string; failure_reason?: string };
  metadata: Record<string, string>;
}
export interface KomojuSession {
  id: string;
  resource: 'session';
  status: 'pending' | 'completed' | 'cancelled';
  amount: number;
  currency: string;
  session_url: string;
  return_url: string;
  expires_at: string;
  payment: KomojuPayment | null;
  payment_data: { external_order_num: string; capture: 'auto' | 'manual' };
}

function stateOf(s: KomojuSession): PaymentState {
  const p = s.payment;
  const expired = s.status === 'cancelled' || (s.status === 'pending' && Date.parse(s.expires_at) <= Date.now());
  if (!p) return expired ? 'expired' : 'open';
  const card = p.payment_details.type === 'credit_card';
  switch (p.status) {
    case 'captured':
      return p.amount_refunded > 0 ? (p.amount_refunded >= p.total ? 'refunded' : 'partially_refunded') : 'paid';
    case 'refunded':
      return 'refunded';
    // For コンビニ決済 and Pay-easy "authorized" means waiting for the shopper's cash, not money held on a card.
    case 'authorized':
      return card ? 'authorized' : 'processing';
    case 'pending':
      return expired ? 'expired' : 'processing';
    case 'cancelled':
      return card && s.status === 'completed' ? 'voided' : 'expired';
    case 'expired':
      return 'expired';
    case 'failed':
      return expired ? 'expired' : 'failed';
  }
}

function instructionsOf(p: KomojuPayment | null): AsyncInstructions | null {
  if (!p) return null;
  const d = p.payment_details;
  const deadline = p.payment_deadline ? new Date(p.payment_deadline) : null;
  if (d.type === 'konbini') return { method: 'konbini', store: d.store ?? null, receipt: d.receipt ?? null, confirmationCode: d.confirmation_code ?? null, url: d.instructions_url ?? null, deadline };
  if (d.type === 'pay_easy') return { method: 'payeasy', store: d.bank_id ?? null, receipt: d.customer_id ?? null, confirmationCode: d.confirmation_id ?? null, url: d.instructions_url ?? null, deadline };
  return null;
}

export function komojuProvider(config: Config): PaymentProvider {
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    if (!config.komojuApiUrl || !config.komojuSecretKey) throw new Error('KOMOJU is not configured');
    const res = await fetch(`${config.komojuApiUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${config.komojuSecretKey}:`).toString('base64')}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(idempotencyKey ? { 'x-komoju-idempotency': idempotencyKey.slice(0, 100) } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const data = (await res.json().catch(() => ({}))) as T & { error?: { code?: string; message?: string } };
    if (!res.ok) throw Object.assign(new Error(`KOMOJU ${method} ${path.split('/')[1]}: ${res.status} ${data.error?.code ?? ''}`), { status: res.status, code: data.error?.code });
    return data;
  }

  return {
    id: 'komoju',
    methods: ['card', 'konbini', 'paypay', 'payeasy'],
    signatureHeader: 'x-komoju-signature',
    hostedOrigin: () => config.komojuHostedOrigin ?? null,

    // No expires_in_seconds: it is relative to "now", so a retry would send another body under the same idempotency
    // key. The store closes sessions left open past `expiresAt` itself (reconciliation.ts, reconcileStale).
    async createHostedPayment(r) {
      const s = await call<KomojuSession>(
        'POST',
        '/sessions',
        {
          amount: r.amount,
          currency: 'JPY',
          return_url: r.successUrl,
          cancel_url: r.cancelUrl,
          default_locale: r.locale,
          email: r.email,
          payment_types: [typeOf[r.method]],
          payment_data: { external_order_num: r.orderNumber, capture: r.capture === 'manual' ? 'manual' : 'auto' },
          metadata: { order_number: r.orderNumber },
        },
        r.idempotencyKey,
      );
      return { id: s.id, url: s.session_url, paymentRef: s.payment?.id ?? null };
    },

    async readPayment(sessionId): Promise<PaymentSnapshot> {
      const s = await call<KomojuSession>('GET', `/sessions/${encodeURIComponent(sessionId)}`);
      const p = s.payment;
      const d = p?.payment_details;
      const state = stateOf(s);
      return {
        sessionId: s.id,
        state,
        url: state === 'open' || state === 'failed' ? s.session_url : null,
        completed: s.status === 'completed',
        paymentRef: p?.id ?? null,
        method: methodOf(d?.type),
        amountRefunded: p?.amount_refunded ?? 0,
        // T5: brand, last 4 and expiry only.
        card: d?.type === 'credit_card' && d.last_four_digits ? { brand: d.brand ?? 'unknown', last4: d.last_four_digits, expMonth: d.month ?? 0, expYear: d.year ?? 0 } : null,
        instructions: instructionsOf(p),
      };
    },

    async closeSession(sessionId) {
      try {
        await call('POST', `/sessions/${encodeURIComponent(sessionId)}/cancel`, {});
      } catch (err) {
        if ((err as { status?: number }).status !== 422 && (err as { status?: number }).status !== 400) throw err; // already completed or cancelled
      }
    },

    verifyWebhook(raw, signature) {
      const want = createHmac('sha256', config.komojuWebhookSecret).update(raw).digest();
      const given = Buffer.from(/^[0-9a-f]{64}$/i.test(signature ?? '') ? signature! : '', 'hex');
      if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'signature' };
      let e: { id?: unknown; type?: unknown; created_at?: unknown; data?: unknown };
      try {
        e = JSON.parse(raw.toString('utf8'));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (typeof e.id !== 'string' || typeof e.type !== 'string' || typeof e.created_at !== 'string' || !e.data || typeof e.data !== 'object') return { ok: false, reason: 'malformed' };
      const created = Date.parse(e.created_at);
      if (!Number.isFinite(created) || Math.abs(Date.now() - created) > komojuWebhookToleranceSeconds * 1000) return { ok: false, reason: 'timestamp' };
      return { ok: true, event: neutralEvent(e.id, e.type, e.data as Partial<KomojuPayment>) };
    },

    async capture(paymentRef, key) {
      await call('POST', `/payments/${encodeURIComponent(paymentRef)}/capture`, {}, key);
    },
    async void(paymentRef, key) {
      await call('POST', `/payments/${encodeURIComponent(paymentRef)}/cancel`, {}, key);
    },
    async refund(paymentRef, amount, key) {
      const p = await call<KomojuPayment>('POST', `/payments/${encodeURIComponent(paymentRef)}/refund`, { amount }, key);
      return { id: p.refunds.at(-1)?.id ?? p.id };
    },
  };
}

function neutralEvent(id: string, type: string, p: Partial<KomojuPayment>): ProviderEvent {
  const card = p.payment_details?.type === 'credit_card';
  let kind: ProviderEvent['kind'] = 'ignored';
  if (type === 'payment.captured' || (type === 'payment.authorized' && card)) kind = 'payment_succeeded';
  else if (type === 'payment.failed') kind = card ? 'payment_failed' : 'state_changed';
  else if (/^payment\.(authorized|updated|expired|cancelled|refunded|refund\.created)$/.test(type)) kind = 'state_changed';
  const reason = p.payment_details?.failure_reason ?? 'declined';
  return {
    id,
    type,
    kind,
    sessionId: typeof p.session === 'string' ? p.session : null,
    paymentRef: typeof p.id === 'string' ? p.id : null,
    orderNumber: p.external_order_num ?? p.metadata?.order_number ?? null,
    failure: kind === 'payment_failed' ? { code: reason, fingerprint: p.payment_details?.fingerprint ?? null, authentication: /3ds|authenticat/i.test(reason) } : null,
  };
}
