import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { behaviourOf, brandOf, luhnValid, type Decline } from '../sandbox-gateway/cards.ts';
import { deliverWebhook } from '../sandbox-gateway/webhook-delivery.ts';
import { challengePage, konbiniStores, methodPage, page, paypayPage, storeInstructionsPage, type MethodView } from './pages.ts';

/**
 * A sandbox of KOMOJU that speaks the subset of its documented API that omamori's KOMOJU adapter uses
 * (https://doc.komoju.com: Sessions, Payments capture/cancel/refund, HMAC-signed webhooks, X-KOMOJU-IDEMPOTENCY)
 * and serves the hosted page on its own origin: card with 3-D Secure, コンビニ決済 (store choice, payment number,
 * deadline), PayPay (an approval page standing in for the app) and Pay-easy. It imports nothing from the store
 * and shares no state with it: the only channel is HTTP, as with KOMOJU.
 *
 * T5: no card number or security code is kept anywhere: the digits are looked up in the test-card table,
 * reduced to brand, last 4 and expiry, and dropped with the request.
 */

export interface KomojuSandboxOptions {
  port: number;
  host?: string;
  /** The secret key clients send as the Basic-auth user name. */
  secretKey: string;
  /** Signs webhooks: hex HMAC-SHA256 of the body in X-Komoju-Signature. */
  webhookSecret: string;
  /** Where events are POSTed; read at delivery time. */
  webhookUrl: () => string | null;
  retryDelaysMs?: number[];
  /** Days a コンビニ決済 / Pay-easy payment stays payable (KOMOJU's default is a few days). */
  payDays?: number;
  /** The origin browsers reach the hosted pages at (behind a proxy). Default: its own URL. */
  publicUrl?: string;
}

export interface KomojuSandbox {
  /** The server's own URL (the API lives under /api/v1). */
  url: string;
  apiUrl: string;
  /** Where browsers reach the hosted pages. */
  origin: string;
  events: KomojuEvent[];
  settle(): Promise<void>;
  /** Expires what is due at `at` (ms): コンビニ決済/Pay-easy payments past their deadline (also runs every second). */
  sweep(at?: number): void;
  /** The shopper pays at the store (or bank): the waiting payment is captured and payment.captured sent. */
  payAtStore(paymentId: string): boolean;
  /** Turns webhook delivery off or on (tests of the server-to-server read-back). */
  setWebhooks(on: boolean): void;
  close(): Promise<void>;
}

type PaymentType = 'credit_card' | 'konbini' | 'paypay' | 'pay_easy';
const supported: PaymentType[] = ['credit_card', 'konbini', 'paypay', 'pay_easy'];

interface PaymentDetails {
  type: PaymentType;
  email?: string;
  brand?: string;
  last_four_digits?: string;
  month?: number;
  year?: number;
  failure_reason?: string;
  store?: string;
  receipt?: string;
  confirmation_code?: string;
  instructions_url?: string;
  bank_id?: string;
  customer_id?: string;
  confirmation_id?: string;
}
interface Payment {
  id: string; resource: 'payment'; status: 'pending' | 'authorized' | 'captured' | 'refunded' | 'cancelled' | 'expired' | 'failed';
  amount: number; tax: number; total: number; currency: string; payment_method_fee: number; external_order_num: string | null; session: string;
  payment_deadline: string | null; captured_at: string | null; created_at: string; amount_refunded: number; refunds: Array<{ id: string; resource: 'refund'; amount: number; currency: string; payment: string; created_at: string }>;
  payment_details: PaymentDetails; metadata: Record<string, string>; locale: string;
}
interface Session {
  id: string; resource: 'session'; mode: 'payment'; amount: number; currency: string; session_url: string; return_url: string; cancel_url: string | null;
  default_locale: string; email: string | null; payment_methods: Array<{ type: PaymentType }>; created_at: string; expires_at: string; completed_at: string | null; cancelled_at: string | null;
  status: 'pending' | 'completed' | 'cancelled'; payment: string | null; payment_data: { external_order_num: string; capture: 'auto' | 'manual' }; metadata: Record<string, string>;
}
export interface KomojuEvent { id: string; type: string; resource: 'event'; data: Payment; created_at: string; reason: string | null }

const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** KOMOJU-like ids (25 lower-case letters and digits), never a long digit run a card-number guard could mistake. */
const newId = () => [...randomBytes(25)].map((b, i) => letters[i % 5 === 0 ? b % 26 : b % 36]).join('');
const iso = (ms = Date.now()) => new Date(ms).toISOString();

export async function startKomojuSandbox(opts: KomojuSandboxOptions): Promise<KomojuSandbox> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const sessions = new Map<string, Session>();
  const payments = new Map<string, Payment>();
  const challenges = new Map<string, { details: PaymentDetails; result: { ok: true } | { ok: false; decline: Decline } }>();
  const formTokens = new Map<string, string>();
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const events: KomojuEvent[] = [];
  const deliveries = new Set<Promise<void>>();
  const retryDelays = opts.retryDelaysMs ?? [200, 500, 1000, 2000, 5000];
  const payDays = opts.payDays ?? 3;
  let webhooksOn = true;
  let origin = '';

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    if (!req.url.startsWith('/api/')) return;
    // HTTP Basic: the secret key is the user name, the password is empty.
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '');
    const want = Buffer.from(`${opts.secretKey}:`);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return reply.code(401).send({ error: { code: 'unauthorized', message: 'The API key is invalid.' } });
  });

  // X-KOMOJU-IDEMPOTENCY on POSTs: the same key and body answer the first response without doing it again.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || !req.url.startsWith('/api/')) return;
    const key = req.headers['x-komoju-idempotency'];
    if (typeof key !== 'string' || !key) return;
    const slot = `${req.url}\n${key}`;
    const fp = createHash('sha256').update(JSON.stringify(req.body ?? {})).digest('hex');
    const seen = idempotent.get(slot);
    if (seen) {
      if (seen.fingerprint !== fp) return reply.code(422).send({ error: { code: 'idempotency_conflict', message: 'The idempotency key was used with another request.' } });
      return reply.code(seen.status).send(seen.body);
    }
    (req as FastifyRequest & { idemSlot?: [string, string] }).idemSlot = [slot, fp];
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const slot = (req as FastifyRequest & { idemSlot?: [string, string] }).idemSlot;
    if (slot && reply.statusCode < 500 && typeof payload === 'string') idempotent.set(slot[0], { fingerprint: slot[1], status: reply.statusCode, body: JSON.parse(payload) });
    return payload;
  });

  const fail = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ error: { code, message } });
  const sessionOut = (s: Session) => ({ ...s, payment: s.payment ? payments.get(s.payment) ?? null : null });

  // ---- webhooks ----
  function emit(type: string, p: Payment) {
    const event: KomojuEvent = { id: newId(), type, resource: 'event', data: structuredClone(p), created_at: iso(), reason: null };
    events.push(event);
    const delivery = deliver(event).finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  }
  async function deliver(event: KomojuEvent) {
    const body = JSON.stringify(event);
    const signature = createHmac('sha256', opts.webhookSecret).update(body).digest('hex');
    const headers = { 'content-type': 'application/json', 'x-komoju-id': event.id, 'x-komoju-signature': signature, 'x-komoju-event': event.type, 'user-agent': 'Komoju-Webhook' };
    await deliverWebhook(() => (webhooksOn ? opts.webhookUrl() : undefined), () => ({ body, headers }), retryDelays);
  }


  function sweep(at = Date.now()) {
    for (const p of payments.values()) {
      if (p.status === 'authorized' && p.payment_details.type !== 'credit_card' && p.payment_deadline && Date.parse(p.payment_deadline) <= at) {
        p.status = 'expired';
        emit('payment.expired', p);
      }
    }
  }
  const sweeper = setInterval(() => sweep(), 1000);
  sweeper.unref();

  function newPayment(s: Session, details: PaymentDetails, status: Payment['status']): Payment {
    const p: Payment = {
      id: newId(), resource: 'payment', status, amount: s.amount, tax: 0, total: s.amount, currency: s.currency, payment_method_fee: 0, external_order_num: s.payment_data.external_order_num, session: s.id,
      payment_deadline: null, captured_at: status === 'captured' ? iso() : null, created_at: iso(), amount_refunded: 0, refunds: [], payment_details: details, metadata: s.metadata, locale: s.default_locale,
    };
    payments.set(p.id, p);
    s.payment = p.id;
    return p;
  }
  function complete(s: Session) {
    Object.assign(s, { status: 'completed', completed_at: iso() });
  }
  const sessionOpen = (s: Session) => s.status === 'pending' && Date.parse(s.expires_at) > Date.now();

  // ---- API: Sessions ----
  app.post('/api/v1/sessions', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const amount = Number(b.amount);
    if (!Number.isInteger(amount) || amount < 1) return fail(reply, 400, 'bad_request', 'amount must be a positive integer');
    if (b.currency !== 'JPY') return fail(reply, 400, 'bad_request', 'currency must be JPY in the sandbox');
    if (typeof b.return_url !== 'string' || !/^https?:\/\//.test(b.return_url)) return fail(reply, 400, 'bad_request', 'return_url is required');
    const types = (Array.isArray(b.payment_types) ? b.payment_types : supported) as PaymentType[];
    if (!types.length || types.some((t) => !supported.includes(t))) return fail(reply, 400, 'bad_request', 'unsupported payment_types');
    const pd = (b.payment_data ?? {}) as Record<string, unknown>;
    const ttl = Number(b.expires_in_seconds ?? 86_400);
    const id = newId();
    const s: Session = {
      id, resource: 'session', mode: 'payment', amount, currency: 'JPY', session_url: `${origin}/sessions/${id}`, return_url: b.return_url, cancel_url: typeof b.cancel_url === 'string' ? b.cancel_url : null,
      default_locale: b.default_locale === 'en' ? 'en' : 'ja', email: typeof b.email === 'string' ? b.email : null, payment_methods: types.map((type) => ({ type })), created_at: iso(),
      expires_at: iso(Date.now() + Math.max(60, Number.isFinite(ttl) ? ttl : 86_400) * 1000), completed_at: null, cancelled_at: null, status: 'pending', payment: null,
      payment_data: { external_order_num: String(pd.external_order_num ?? ''), capture: pd.capture === 'manual' ? 'manual' : 'auto' },
      metadata: Object.fromEntries(Object.entries((b.metadata ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
    };
    sessions.set(id, s);
    return sessionOut(s);
  });
  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req, reply) => {
    const s = sessions.get(req.params.id);
    return s ? sessionOut(s) : fail(reply, 404, 'not_found', 'session not found');
  });
  app.post<{ Params: { id: string } }>('/api/v1/sessions/:id/cancel', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return fail(reply, 404, 'not_found', 'session not found');
    if (s.status !== 'pending') return fail(reply, 422, 'invalid_session_status', 'only a pending session can be cancelled');
    Object.assign(s, { status: 'cancelled', cancelled_at: iso() });
    challenges.delete(s.id);
    return sessionOut(s);
  });

  // ---- API: Payments ----
  app.get<{ Params: { id: string } }>('/api/v1/payments/:id', async (req, reply) => payments.get(req.params.id) ?? fail(reply, 404, 'not_found', 'payment not found'));
  app.post<{ Params: { id: string } }>('/api/v1/payments/:id/capture', async (req, reply) => {
    const p = payments.get(req.params.id);
    if (!p) return fail(reply, 404, 'not_found', 'payment not found');
    if (p.status !== 'authorized' || p.payment_details.type !== 'credit_card') return fail(reply, 422, 'invalid_payment_status', 'only an authorized card payment can be captured');
    Object.assign(p, { status: 'captured', captured_at: iso() });
    emit('payment.captured', p);
    return p;
  });
  app.post<{ Params: { id: string } }>('/api/v1/payments/:id/cancel', async (req, reply) => {
    const p = payments.get(req.params.id);
    if (!p) return fail(reply, 404, 'not_found', 'payment not found');
    if (p.status !== 'authorized' && p.status !== 'pending') return fail(reply, 422, 'invalid_payment_status', 'this payment cannot be cancelled');
    p.status = 'cancelled';
    emit('payment.cancelled', p);
    return p;
  });
  app.post<{ Params: { id: string } }>('/api/v1/payments/:id/refund', async (req, reply) => {
    const p = payments.get(req.params.id);
    if (!p) return fail(reply, 404, 'not_found', 'payment not found');
    if (p.status !== 'captured') return fail(reply, 422, 'not_refundable', 'only a captured payment can be refunded');
    const left = p.total - p.amount_refunded;
    const amount = (req.body as { amount?: unknown } | undefined)?.amount === undefined ? left : Number((req.body as { amount: unknown }).amount);
    if (!Number.isInteger(amount) || amount < 1 || amount > left) return fail(reply, 422, 'invalid_amount', 'the amount is more than what is left to refund');
    p.refunds.push({ id: newId(), resource: 'refund', amount, currency: p.currency, payment: p.id, created_at: iso() });
    p.amount_refunded += amount;
    emit('payment.refund.created', p);
    if (p.amount_refunded >= p.total) {
      p.status = 'refunded';
      emit('payment.refunded', p);
    }
    return p;
  });

  // ---- Hosted page ----
  function send(reply: FastifyReply, status: number, title: string, body: string, s: Session | undefined) {
    const nonce = randomBytes(12).toString('base64');
    // No script at all; forms post only here (and the pages then redirect to the shop).
    reply.header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self'; form-action 'self' ${s ? new URL(s.return_url).origin : ''}; base-uri 'none'; frame-ancestors 'none'`);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    return reply.code(status).type('text/html; charset=utf-8').send(page(title, body, nonce));
  }
  function tokenFor(id: string): string {
    let token = formTokens.get(id);
    if (!token) formTokens.set(id, (token = randomBytes(16).toString('hex')));
    return token;
  }
  function formOk(req: FastifyRequest, id: string): boolean {
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return false; // CSRF: only this origin posts here
    const given = String(((req.body ?? {}) as Record<string, unknown>).form_token ?? '');
    const want = formTokens.get(id) ?? '';
    return given.length === want.length && want.length > 0 && timingSafeEqual(Buffer.from(given), Buffer.from(want));
  }
  const backTo = (s: Session) => `${s.return_url}${s.return_url.includes('?') ? '&' : '?'}session_id=${s.id}`;
  const view = (s: Session, error?: string): MethodView => ({ sessionId: s.id, amount: s.amount, orderNumber: s.payment_data.external_order_num, formToken: tokenFor(s.id), types: s.payment_methods.map((m) => m.type), cancelUrl: s.cancel_url ?? backTo(s), ...(error ? { error } : {}) });
  const ended = (reply: FastifyReply, s: Session) => send(reply, 410, 'Session ended', `<h1>このお支払いは終了しました / This payment has ended.</h1><p><a href="${s.status === 'completed' ? backTo(s) : (s.cancel_url ?? backTo(s))}">ショップに戻る / Return to the shop</a></p>`, s);
  const missing = (reply: FastifyReply) => send(reply, 404, 'Not found', '<h1>Not found</h1>', undefined);

  app.get<{ Params: { id: string } }>('/sessions/:id', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return missing(reply);
    if (!sessionOpen(s)) return ended(reply, s);
    return send(reply, 200, 'KOMOJU', methodPage(view(s)), s);
  });

  app.post<{ Params: { id: string } }>('/sessions/:id/pay', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return missing(reply);
    if (!sessionOpen(s)) return ended(reply, s);
    if (!formOk(req, s.id)) return send(reply, 403, 'Forbidden', '<h1>Forbidden</h1>', s);
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const type = body.payment_type as PaymentType;
    if (!s.payment_methods.some((m) => m.type === type)) return send(reply, 422, 'KOMOJU', methodPage(view(s, 'お支払い方法を選んでください / Choose a payment method.')), s);
    if (type === 'konbini') {
      const store = body.store ?? '';
      if (!konbiniStores.some((k) => k.id === store)) return send(reply, 422, 'KOMOJU', methodPage(view(s, 'コンビニを選んでください / Choose a convenience store.')), s);
      // An 11-digit payment number: shorter than any card number, so no card-number scan can mistake it.
      const p = newPayment(s, { type: 'konbini', store, email: s.email ?? '', receipt: String(randomInt(10 ** 10, 10 ** 11)), confirmation_code: String(randomInt(100_000, 1_000_000)), instructions_url: '' }, 'authorized');
      p.payment_details.instructions_url = `${origin}/instructions/${p.id}`;
      p.payment_deadline = iso(Date.now() + payDays * 86_400_000);
      complete(s);
      emit('payment.authorized', p);
      return reply.redirect(backTo(s), 303);
    }
    if (type === 'pay_easy') {
      const p = newPayment(s, { type: 'pay_easy', bank_id: '58191', customer_id: String(randomInt(10 ** 10, 10 ** 11)), confirmation_id: String(randomInt(100_000, 1_000_000)), instructions_url: '' }, 'authorized');
      p.payment_details.instructions_url = `${origin}/instructions/${p.id}`;
      p.payment_deadline = iso(Date.now() + payDays * 86_400_000);
      complete(s);
      emit('payment.authorized', p);
      return reply.redirect(backTo(s), 303);
    }
    if (type === 'paypay') return reply.redirect(`/sessions/${s.id}/paypay`, 303);
    // credit_card. T5: the number and CVC live only in these locals; nothing below stores, logs or returns them.
    const digits = (body.number ?? '').replace(/[\s-]/g, '');
    const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(body.exp ?? '');
    const cvcOk = /^\d{3,4}$/.test(body.cvc ?? '');
    body.number = '';
    body.cvc = '';
    if (!luhnValid(digits)) return send(reply, 422, 'KOMOJU', methodPage(view(s, 'カード番号が正しくありません / Your card number is invalid.')), s);
    const month = Number(exp?.[1]);
    const year = exp ? (exp[2]!.length === 2 ? 2000 + Number(exp[2]) : Number(exp[2])) : 0;
    const today = new Date();
    if (!exp || month < 1 || month > 12 || year * 12 + month < today.getUTCFullYear() * 12 + today.getUTCMonth() + 1) return send(reply, 422, 'KOMOJU', methodPage(view(s, '有効期限が正しくありません / The expiry date is invalid.')), s);
    if (!cvcOk) return send(reply, 422, 'KOMOJU', methodPage(view(s, 'セキュリティコードが正しくありません / The security code is incomplete.')), s);
    const behaviour = behaviourOf(digits);
    const details: PaymentDetails = { type: 'credit_card', brand: brandOf(digits), last_four_digits: digits.slice(-4), month, year };
    if (behaviour.threeDs === 'challenge') {
      challenges.set(s.id, { details, result: behaviour.result });
      return reply.redirect(`/sessions/${s.id}/3ds`, 303);
    }
    return finishCard(reply, s, details, behaviour.result);
  });

  function finishCard(reply: FastifyReply, s: Session, details: PaymentDetails, result: { ok: true } | { ok: false; decline: Decline | 'authentication_failed' }) {
    if (result.ok) {
      const manual = s.payment_data.capture === 'manual';
      const p = newPayment(s, details, manual ? 'authorized' : 'captured');
      complete(s);
      emit(manual ? 'payment.authorized' : 'payment.captured', p);
      return reply.redirect(backTo(s), 303);
    }
    // A failed attempt: the session stays open for another card (KOMOJU: payment.failed, retry possible).
    const p = newPayment(s, { ...details, failure_reason: result.decline }, 'failed');
    emit('payment.failed', p);
    const message = result.decline === 'authentication_failed' ? '本人認証に失敗しました。別のカードをお試しください。 / Authentication failed. Please try another card.' : 'このカードはご利用になれませんでした。別のカードをお試しください。 / This card could not be used. Please try another card.';
    return send(reply, 402, 'KOMOJU', methodPage(view(s, message)), s);
  }

  app.get<{ Params: { id: string } }>('/sessions/:id/3ds', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return missing(reply);
    if (!sessionOpen(s)) return ended(reply, s);
    const ch = challenges.get(s.id);
    if (!ch) return reply.redirect(`/sessions/${s.id}`, 303);
    return send(reply, 200, '3-D Secure', challengePage(s.id, tokenFor(s.id), ch.details.brand ?? '', ch.details.last_four_digits ?? '', s.amount, s.cancel_url ?? backTo(s)), s);
  });
  app.post<{ Params: { id: string } }>('/sessions/:id/3ds', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return missing(reply);
    if (!sessionOpen(s)) return ended(reply, s);
    if (!formOk(req, s.id)) return send(reply, 403, 'Forbidden', '<h1>Forbidden</h1>', s);
    const ch = challenges.get(s.id);
    if (!ch) return reply.redirect(`/sessions/${s.id}`, 303);
    challenges.delete(s.id);
    if ((req.body as Record<string, string>).action !== 'complete') return finishCard(reply, s, ch.details, { ok: false, decline: 'authentication_failed' });
    return finishCard(reply, s, ch.details, ch.result);
  });

  // PayPay: the app's approval, simulated on a page of its own.
  app.get<{ Params: { id: string } }>('/sessions/:id/paypay', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return missing(reply);
    if (!sessionOpen(s)) return ended(reply, s);
    return send(reply, 200, 'PayPay', paypayPage(s.id, tokenFor(s.id), s.amount, s.cancel_url ?? backTo(s)), s);
  });
  app.post<{ Params: { id: string } }>('/sessions/:id/paypay', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return missing(reply);
    if (!sessionOpen(s)) return ended(reply, s);
    if (!formOk(req, s.id)) return send(reply, 403, 'Forbidden', '<h1>Forbidden</h1>', s);
    if ((req.body as Record<string, string>).action !== 'approve') return reply.redirect(`/sessions/${s.id}`, 303);
    const p = newPayment(s, { type: 'paypay' }, 'captured');
    complete(s);
    emit('payment.captured', p);
    return reply.redirect(backTo(s), 303);
  });

  // The payment slip (KOMOJU's instructions_url), with a sandbox-only button standing in for the cash desk.
  app.get<{ Params: { id: string } }>('/instructions/:id', async (req, reply) => {
    const p = payments.get(req.params.id);
    if (!p || (p.payment_details.type !== 'konbini' && p.payment_details.type !== 'pay_easy')) return missing(reply);
    return send(reply, 200, 'お支払い方法', storeInstructionsPage(p, tokenFor(p.id)), undefined);
  });
  app.post<{ Params: { id: string } }>('/instructions/:id/pay', async (req, reply) => {
    const p = payments.get(req.params.id);
    if (!p) return missing(reply);
    if (!formOk(req, p.id)) return send(reply, 403, 'Forbidden', '<h1>Forbidden</h1>', undefined);
    payAtStore(p.id);
    return reply.redirect(`/instructions/${p.id}`, 303);
  });

  function payAtStore(paymentId: string): boolean {
    sweep();
    const p = payments.get(paymentId);
    if (!p || p.status !== 'authorized' || p.payment_details.type === 'credit_card') return false;
    Object.assign(p, { status: 'captured', captured_at: iso() });
    emit('payment.captured', p);
    return true;
  }

  await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const host = !opts.host || ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(opts.host) ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;
  origin = opts.publicUrl ? new URL(opts.publicUrl).origin : url;
  return {
    url,
    apiUrl: `${url}/api/v1`,
    origin,
    events,
    sweep,
    payAtStore,
    setWebhooks: (on) => void (webhooksOn = on),
    async settle() {
      while (deliveries.size) await Promise.allSettled([...deliveries]);
    },
    async close() {
      clearInterval(sweeper);
      await app.close();
    },
  };
}
