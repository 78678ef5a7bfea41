import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { behaviourOf, brandOf, luhnValid, type Decline } from './cards.ts';
import { list, obj, parseStripeForm, str, type Params } from './form.ts';
import { challengePage, endedPage, page, payForm } from './pages.ts';
import { deliverWebhook } from './webhook-delivery.ts';

/**
 * A sandbox payment gateway that speaks the subset of Stripe's API that omamori's card adapter uses
 * (Checkout Sessions, Payment Intents, Refunds, signed webhooks) and serves a hosted card page with
 * EMV 3-D Secure on its own origin. It imports nothing from the store and shares no state with it:
 * the only channel is HTTP, exactly as with Stripe.
 *
 * T5: it keeps no card number and no security code anywhere: the digits are read from the form, looked
 * up in the test-card table, reduced to brand, last 4, expiry and a keyed fingerprint, and dropped with
 * the request. Nothing about the card is logged (the server has no request logging).
 */

export interface GatewayOptions {
  port: number;
  host?: string;
  /** The API key clients must send (`Authorization: Bearer sk_test_...`). */
  secretKey: string;
  /** Signs webhooks (`whsec_...`). */
  webhookSecret: string;
  /** Where events are POSTed; read at delivery time (the store's port may be known only later). */
  webhookUrl: () => string | null;
  /** Webhook retry delays in ms (Stripe retries for days; the sandbox in seconds). */
  retryDelaysMs?: number[];
  /** Checkout Sessions expire after this long unless `expires_at` is given (Stripe: 24 h). */
  sessionTtlSeconds?: number;
  /**
   * The origin shoppers' browsers reach the gateway at (behind a reverse proxy, or on another host name):
   * hosted-page URLs and the pages' Origin check use it. Default: http://localhost:<port>.
   */
  publicUrl?: string;
}

export interface SandboxGateway {
  /** Where the store calls the API (server to server). */
  url: string;
  /** Where browsers reach the hosted pages (`publicUrl`, or the same as `url`). */
  origin: string;
  /** Every event created, in order (tests and the console). */
  events: StripeEvent[];
  /** Waits until every queued webhook delivery has finished (delivered or given up). */
  settle(): Promise<void>;
  /** Expires sessions whose time is up (also runs every second). */
  sweep(now?: number): void;
  close(): Promise<void>;
}

interface CardSummary {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  country: string;
  funding: string;
}

interface PaymentMethodObj { id: string; object: 'payment_method'; type: 'card'; card: CardSummary; created: number }
interface ChargeObj { id: string; object: 'charge'; amount: number; amount_captured: number; amount_refunded: number; refunded: boolean; captured: boolean; paid: boolean; status: 'succeeded' | 'failed'; currency: string; payment_intent: string; payment_method: string; payment_method_details: { type: 'card'; card: CardSummary }; created: number; metadata: Record<string, string> }
interface PaymentIntentObj {
  id: string; object: 'payment_intent'; amount: number; amount_capturable: number; amount_received: number; currency: string;
  status: 'requires_payment_method' | 'requires_action' | 'requires_capture' | 'succeeded' | 'canceled';
  capture_method: 'automatic' | 'manual'; metadata: Record<string, string>; latest_charge: string | null; payment_method: string | null;
  last_payment_error: { type: 'card_error'; code: string; decline_code?: string; message: string; payment_method?: PaymentMethodObj } | null;
  cancellation_reason: string | null; created: number; livemode: false;
}
interface SessionObj {
  id: string; object: 'checkout.session'; amount_total: number; amount_subtotal: number; currency: string; mode: 'payment';
  status: 'open' | 'complete' | 'expired'; payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  success_url: string; cancel_url: string; url: string | null; metadata: Record<string, string>; client_reference_id: string | null;
  payment_intent: string; created: number; expires_at: number; livemode: false; locale: string | null;
}
interface RefundObj { id: string; object: 'refund'; amount: number; charge: string; payment_intent: string; currency: string; status: 'succeeded'; reason: string | null; metadata: Record<string, string>; created: number }
export interface StripeEvent { id: string; object: 'event'; type: string; api_version: string; created: number; livemode: false; pending_webhooks: number; data: { object: unknown }; request: { id: null; idempotency_key: null } }

/** Holds a card between the card form and the 3-D Secure challenge: never the number, never the CVC. */
interface PendingChallenge { pm: PaymentMethodObj; result: { ok: true } | { ok: false; decline: Decline }; expiresAt: number }

const declineMessages: Record<Decline, string> = {
  fraudulent: 'Your card was declined.',
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  live_card_in_test_mode: 'Your card was declined. Your request was in test mode, but used a non test card.',
};

const now = () => Math.floor(Date.now() / 1000);
const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Ids of letters only: a long digit run in an id could look like a card number to the store's inbound guard. */
const newId = (prefix: string) => `${prefix}_${[...randomBytes(24)].map((b) => letters[b % 52]).join('')}`;

export async function startSandboxGateway(opts: GatewayOptions): Promise<SandboxGateway> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  // T5: a fingerprint key per sandbox instance: the same card gives the same fingerprint here only.
  const fingerprintKey = randomBytes(32);
  const sessions = new Map<string, SessionObj>();
  const intents = new Map<string, PaymentIntentObj>();
  const charges = new Map<string, ChargeObj>();
  const refunds = new Map<string, RefundObj>();
  const methods = new Map<string, PaymentMethodObj>();
  const challenges = new Map<string, PendingChallenge>();
  const formTokens = new Map<string, string>();
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const events: StripeEvent[] = [];
  // Radar value lists (item_type card_fingerprint): a card in any of them is blocked, as Stripe does with the rule
  // `Block if :card_fingerprint: in @<list alias>`.
  const valueLists = new Map<string, { id: string; object: 'radar.value_list'; alias: string; name: string; item_type: string; created: number; livemode: false }>();
  const valueListItems = new Map<string, { id: string; object: 'radar.value_list_item'; value: string; value_list: string; created: number; livemode: false }>();
  const blockedCard = (fingerprint: string) => [...valueListItems.values()].some((i) => i.value === fingerprint && valueLists.get(i.value_list)?.item_type === 'card_fingerprint');
  const deliveries = new Set<Promise<void>>();
  const retryDelays = opts.retryDelaysMs ?? [200, 500, 1000, 2000, 5000];
  let origin = '';

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseStripeForm(body as string));
    } catch {
      done(new Error('bad form'), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => done(null, {}));

  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    if (!req.url.startsWith('/v1/')) return;
    const auth = req.headers.authorization ?? '';
    const given = Buffer.from(auth.replace(/^Bearer\s+/i, ''));
    const want = Buffer.from(opts.secretKey);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      return reply.code(401).send({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
    }
  });

  // Idempotency-Key on every API POST: the same key with the same parameters answers the first response.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST' || !req.url.startsWith('/v1/')) return;
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !key) return;
    const slot = `${req.url}\n${key}`;
    const fp = createHash('sha256').update(JSON.stringify(req.body ?? {})).digest('hex');
    const seen = idempotent.get(slot);
    if (seen) {
      if (seen.fingerprint !== fp) return reply.code(400).send({ error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
      return reply.code(seen.status).header('idempotent-replayed', 'true').send(seen.body);
    }
    (req as FastifyRequest & { idemSlot?: [string, string] }).idemSlot = [slot, fp];
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const slot = (req as FastifyRequest & { idemSlot?: [string, string] }).idemSlot;
    if (slot && reply.statusCode < 500 && typeof payload === 'string') idempotent.set(slot[0], { fingerprint: slot[1], status: reply.statusCode, body: JSON.parse(payload) });
    return payload;
  });

  const fail = (reply: FastifyReply, status: number, message: string, code?: string) =>
    reply.code(status).send({ error: { type: 'invalid_request_error', message, ...(code ? { code } : {}) } });
  const queryOf = (req: FastifyRequest) => parseStripeForm(req.url.split('?')[1] ?? '');
  const expandsOf = (p: Params) => list(p.expand).filter((x): x is string => typeof x === 'string');
  const metadataOf = (p: Params) => Object.fromEntries(Object.entries(obj(p.metadata)).filter(([, v]) => typeof v === 'string')) as Record<string, string>;

  function intentOut(pi: PaymentIntentObj, expand: string[], prefix = ''): unknown {
    const pm = pi.payment_method && expand.includes(`${prefix}payment_method`) ? methods.get(pi.payment_method) : null;
    const charge = pi.latest_charge && expand.includes(`${prefix}latest_charge`) ? charges.get(pi.latest_charge) : null;
    return { ...pi, ...(pm ? { payment_method: pm } : {}), ...(charge ? { latest_charge: charge } : {}) };
  }
  function sessionOut(s: SessionObj, expand: string[]): unknown {
    const pi = intents.get(s.payment_intent)!;
    return { ...s, payment_intent: expand.includes('payment_intent') ? intentOut(pi, expand, 'payment_intent.') : s.payment_intent };
  }

  // ---- webhooks ----
  function emit(type: string, object: unknown) {
    const event: StripeEvent = { id: newId('evt'), object: 'event', type, api_version: '2025-10-29.clover', created: now(), livemode: false, pending_webhooks: 1, data: { object: structuredClone(object) }, request: { id: null, idempotency_key: null } };
    events.push(event);
    const delivery = deliver(event).finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  }

  async function deliver(event: StripeEvent) {
    const payload = JSON.stringify(event);
    await deliverWebhook(opts.webhookUrl, () => {
      const t = now();
      // Exactly Stripe's scheme: v1 = HMAC-SHA256(secret, `${t}.${payload}`) in hex.
      const v1 = createHmac('sha256', opts.webhookSecret).update(`${t}.${payload}`).digest('hex');
      return { body: payload, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': `t=${t},v1=${v1}`, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' } };
    }, retryDelays);
  }


  // ---- payment outcomes ----
  function chargeFor(pi: PaymentIntentObj, pm: PaymentMethodObj, captured: boolean): ChargeObj {
    const charge: ChargeObj = { id: newId('ch'), object: 'charge', amount: pi.amount, amount_captured: captured ? pi.amount : 0, amount_refunded: 0, refunded: false, captured, paid: true, status: 'succeeded', currency: pi.currency, payment_intent: pi.id, payment_method: pm.id, payment_method_details: { type: 'card', card: pm.card }, created: now(), metadata: pi.metadata };
    charges.set(charge.id, charge);
    return charge;
  }

  function succeed(session: SessionObj, pi: PaymentIntentObj, pm: PaymentMethodObj) {
    const manual = pi.capture_method === 'manual';
    const charge = chargeFor(pi, pm, !manual);
    Object.assign(pi, { status: manual ? 'requires_capture' : 'succeeded', amount_capturable: manual ? pi.amount : 0, amount_received: manual ? 0 : pi.amount, latest_charge: charge.id, payment_method: pm.id, last_payment_error: null });
    Object.assign(session, { status: 'complete', payment_status: manual ? 'unpaid' : 'paid', url: null });
    emit('checkout.session.completed', sessionOut(session, []));
    if (manual) emit('payment_intent.amount_capturable_updated', pi);
    else {
      emit('charge.succeeded', charge);
      emit('payment_intent.succeeded', pi);
    }
  }

  function decline(pi: PaymentIntentObj, pm: PaymentMethodObj, code: string, declineCode: Decline | null, message: string) {
    Object.assign(pi, { status: 'requires_payment_method', payment_method: null, last_payment_error: { type: 'card_error', code, ...(declineCode ? { decline_code: declineCode } : {}), message, payment_method: pm } });
    emit('payment_intent.payment_failed', pi);
  }

  function expire(session: SessionObj) {
    if (session.status !== 'open') return;
    Object.assign(session, { status: 'expired', url: null });
    const pi = intents.get(session.payment_intent)!;
    if (pi.status !== 'succeeded' && pi.status !== 'requires_capture') Object.assign(pi, { status: 'canceled', cancellation_reason: 'abandoned' });
    challenges.delete(session.id);
    emit('checkout.session.expired', sessionOut(session, []));
  }

  function sweep(at = now()) {
    for (const s of sessions.values()) if (s.status === 'open' && s.expires_at <= at) expire(s);
  }
  const sweeper = setInterval(() => sweep(), 1000);
  sweeper.unref();

  // ---- API: Checkout Sessions ----
  app.post('/v1/checkout/sessions', async (req, reply) => {
    const p = (req.body ?? {}) as Params;
    if (str(p.mode) !== 'payment') return fail(reply, 400, 'Only mode=payment is supported by the sandbox.', 'parameter_invalid');
    const successUrl = str(p.success_url);
    const cancelUrl = str(p.cancel_url);
    if (!successUrl || !cancelUrl) return fail(reply, 400, 'Missing required param: success_url / cancel_url.', 'parameter_missing');
    let amount = 0;
    let currency = '';
    for (const item of list(p.line_items)) {
      const li = obj(item);
      const pd = obj(li.price_data);
      const unit = Number(str(pd.unit_amount));
      const qty = Number(str(li.quantity) ?? '1');
      if (!Number.isInteger(unit) || unit < 0 || !Number.isInteger(qty) || qty < 1) return fail(reply, 400, 'Invalid line item.', 'parameter_invalid');
      currency = str(pd.currency) ?? '';
      amount += unit * qty;
    }
    if (currency !== 'jpy' || amount < 50) return fail(reply, 400, 'Amount must be at least ¥50 in jpy.', 'amount_too_small');
    const pid = obj(p.payment_intent_data);
    const capture = str(pid.capture_method) === 'manual' ? 'manual' : 'automatic';
    const ttl = opts.sessionTtlSeconds ?? 24 * 3600;
    const expiresAt = Number(str(p.expires_at) ?? now() + ttl);
    const metadata = metadataOf(p);
    const pi: PaymentIntentObj = { id: newId('pi'), object: 'payment_intent', amount, amount_capturable: 0, amount_received: 0, currency, status: 'requires_payment_method', capture_method: capture, metadata: { ...metadata, ...metadataOf(pid) }, latest_charge: null, payment_method: null, last_payment_error: null, cancellation_reason: null, created: now(), livemode: false };
    intents.set(pi.id, pi);
    const id = newId('cs_test');
    const session: SessionObj = { id, object: 'checkout.session', amount_total: amount, amount_subtotal: amount, currency, mode: 'payment', status: 'open', payment_status: 'unpaid', success_url: successUrl.replace('{CHECKOUT_SESSION_ID}', id), cancel_url: cancelUrl.replace('{CHECKOUT_SESSION_ID}', id), url: `${origin}/pay/${id}`, metadata, client_reference_id: str(p.client_reference_id) ?? null, payment_intent: pi.id, created: now(), expires_at: expiresAt, livemode: false, locale: str(p.locale) ?? null };
    sessions.set(id, session);
    return sessionOut(session, []);
  });

  app.get<{ Params: { id: string } }>('/v1/checkout/sessions/:id', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return fail(reply, 404, `No such checkout.session: '${req.params.id}'`, 'resource_missing');
    return sessionOut(s, expandsOf(queryOf(req)));
  });

  app.post<{ Params: { id: string } }>('/v1/checkout/sessions/:id/expire', async (req, reply) => {
    const s = sessions.get(req.params.id);
    if (!s) return fail(reply, 404, `No such checkout.session: '${req.params.id}'`, 'resource_missing');
    if (s.status !== 'open') return fail(reply, 400, `Only Checkout Sessions with a status in ["open"] can be expired.`, 'checkout_session_not_open');
    expire(s);
    return sessionOut(s, []);
  });

  // ---- API: Payment Intents ----
  app.get<{ Params: { id: string } }>('/v1/payment_intents/:id', async (req, reply) => {
    const pi = intents.get(req.params.id);
    if (!pi) return fail(reply, 404, `No such payment_intent: '${req.params.id}'`, 'resource_missing');
    return intentOut(pi, expandsOf(queryOf(req)));
  });

  app.post<{ Params: { id: string } }>('/v1/payment_intents/:id/capture', async (req, reply) => {
    const pi = intents.get(req.params.id);
    if (!pi) return fail(reply, 404, `No such payment_intent: '${req.params.id}'`, 'resource_missing');
    if (pi.status !== 'requires_capture') return fail(reply, 400, `This PaymentIntent could not be captured because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
    const p = (req.body ?? {}) as Params;
    const amount = str(p.amount_to_capture) ? Number(str(p.amount_to_capture)) : pi.amount_capturable;
    if (!Number.isInteger(amount) || amount < 1 || amount > pi.amount_capturable) return fail(reply, 400, 'Invalid amount_to_capture.', 'parameter_invalid');
    const charge = charges.get(pi.latest_charge!)!;
    Object.assign(charge, { captured: true, amount_captured: amount, amount_refunded: charge.amount - amount });
    Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
    emit('charge.captured', charge);
    emit('payment_intent.succeeded', pi);
    return intentOut(pi, []);
  });

  app.post<{ Params: { id: string } }>('/v1/payment_intents/:id/cancel', async (req, reply) => {
    const pi = intents.get(req.params.id);
    if (!pi) return fail(reply, 404, `No such payment_intent: '${req.params.id}'`, 'resource_missing');
    if (pi.status === 'succeeded' || pi.status === 'canceled') return fail(reply, 400, `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, 'payment_intent_unexpected_state');
    const wasAuthorized = pi.status === 'requires_capture';
    Object.assign(pi, { status: 'canceled', amount_capturable: 0, cancellation_reason: str(((req.body ?? {}) as Params).cancellation_reason) ?? 'requested_by_customer' });
    if (wasAuthorized && pi.latest_charge) Object.assign(charges.get(pi.latest_charge)!, { refunded: true, amount_refunded: pi.amount });
    emit('payment_intent.canceled', pi);
    return intentOut(pi, []);
  });

  // ---- API: Radar value lists (the subset a block list needs) ----
  const listOut = <T>(data: T[], url: string) => ({ object: 'list', data, has_more: false, url });
  app.post('/v1/radar/value_lists', async (req, reply) => {
    const p = (req.body ?? {}) as Params;
    const alias = str(p.alias);
    const name = str(p.name);
    if (!alias || !name) return fail(reply, 400, 'Missing required param: alias / name.', 'parameter_missing');
    if ([...valueLists.values()].some((l) => l.alias === alias)) return fail(reply, 400, 'A value list with this alias already exists.', 'parameter_invalid');
    const list_ = { id: newId('rsl'), object: 'radar.value_list' as const, alias, name, item_type: str(p.item_type) ?? 'string', created: now(), livemode: false as const };
    valueLists.set(list_.id, list_);
    return { ...list_, list_items: listOut([], '/v1/radar/value_list_items') };
  });
  app.get('/v1/radar/value_lists', async (req) => {
    const alias = str(queryOf(req).alias);
    return listOut([...valueLists.values()].filter((l) => !alias || l.alias === alias), '/v1/radar/value_lists');
  });
  app.post('/v1/radar/value_list_items', async (req, reply) => {
    const p = (req.body ?? {}) as Params;
    const listId = str(p.value_list) ?? '';
    const value = str(p.value);
    if (!valueLists.has(listId)) return fail(reply, 404, `No such value list: '${listId}'`, 'resource_missing');
    if (!value || value.length > 800) return fail(reply, 400, 'Missing required param: value.', 'parameter_missing');
    const item = { id: newId('rsli'), object: 'radar.value_list_item' as const, value, value_list: listId, created: now(), livemode: false as const };
    valueListItems.set(item.id, item);
    return item;
  });
  app.get('/v1/radar/value_list_items', async (req, reply) => {
    const listId = str(queryOf(req).value_list) ?? '';
    if (!valueLists.has(listId)) return fail(reply, 404, `No such value list: '${listId}'`, 'resource_missing');
    return listOut([...valueListItems.values()].filter((i) => i.value_list === listId), '/v1/radar/value_list_items');
  });
  app.delete<{ Params: { id: string } }>('/v1/radar/value_list_items/:id', async (req, reply) => {
    if (!valueListItems.delete(req.params.id)) return fail(reply, 404, `No such value list item: '${req.params.id}'`, 'resource_missing');
    return { id: req.params.id, object: 'radar.value_list_item', deleted: true };
  });

  // ---- API: Refunds ----
  app.post('/v1/refunds', async (req, reply) => {
    const p = (req.body ?? {}) as Params;
    const pi = intents.get(str(p.payment_intent) ?? '');
    if (!pi) return fail(reply, 404, `No such payment_intent: '${str(p.payment_intent) ?? ''}'`, 'resource_missing');
    const charge = pi.latest_charge ? charges.get(pi.latest_charge) : undefined;
    if (!charge || pi.status !== 'succeeded') return fail(reply, 400, 'This PaymentIntent has no successful charge to refund.', 'charge_not_refundable');
    const left = charge.amount_captured - charge.amount_refunded;
    const amount = str(p.amount) ? Number(str(p.amount)) : left;
    if (!Number.isInteger(amount) || amount < 1 || amount > left) return fail(reply, 400, `Refund amount (¥${amount}) is greater than unrefunded amount on charge (¥${left})`, 'amount_too_large');
    const refund: RefundObj = { id: newId('re'), object: 'refund', amount, charge: charge.id, payment_intent: pi.id, currency: pi.currency, status: 'succeeded', reason: str(p.reason) ?? null, metadata: metadataOf(p), created: now() };
    refunds.set(refund.id, refund);
    Object.assign(charge, { amount_refunded: charge.amount_refunded + amount, refunded: charge.amount_refunded + amount >= charge.amount_captured });
    emit('charge.refunded', charge);
    return refund;
  });

  // ---- Hosted payment page ----
  function csp(reply: FastifyReply, styleNonce: string, formTarget: string) {
    // The gateway's own strict policy: no script at all, forms post only here (and then redirect to the shop).
    reply.header('content-security-policy', `default-src 'none'; style-src 'nonce-${styleNonce}'; img-src 'self'; form-action 'self' ${formTarget}; base-uri 'none'; frame-ancestors 'none'`);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin'); // (no-referrer would make browsers send Origin: null on our own form posts)
    reply.header('cross-origin-opener-policy', 'same-origin');
  }
  function send(reply: FastifyReply, status: number, title: string, body: string, s: SessionObj | undefined) {
    const nonce = randomBytes(12).toString('base64');
    csp(reply, nonce, s ? new URL(s.success_url).origin : '');
    return reply.code(status).type('text/html; charset=utf-8').send(page(title, body, nonce));
  }
  function tokenFor(sessionId: string): string {
    let token = formTokens.get(sessionId);
    if (!token) formTokens.set(sessionId, (token = randomBytes(16).toString('hex')));
    return token;
  }
  function formOk(req: FastifyRequest, sessionId: string): boolean {
    const origin_ = req.headers.origin;
    if (origin_ !== undefined && origin_ !== origin) return false; // CSRF: only this origin posts here
    const given = str(((req.body ?? {}) as Params).form_token) ?? '';
    const want = formTokens.get(sessionId) ?? '';
    return given.length === want.length && want.length > 0 && timingSafeEqual(Buffer.from(given), Buffer.from(want));
  }
  const ended = (reply: FastifyReply, s: SessionObj) =>
    send(reply, 410, 'Session ended', endedPage('このお支払いは終了しました / This payment session has ended.', { href: s.status === 'complete' ? s.success_url : s.cancel_url, label: 'ショップに戻る / Return to the shop' }), s);
  const payView = (s: SessionObj, error?: string) => ({ sessionId: s.id, amount: s.amount_total, orderNumber: s.metadata.order_number ?? '', formToken: tokenFor(s.id), cancelUrl: s.cancel_url, ...(error ? { error } : {}) });

  app.get<{ Params: { id: string } }>('/pay/:id', async (req, reply) => {
    sweep();
    const s = sessions.get(req.params.id);
    if (!s) return send(reply, 404, 'Not found', endedPage('Not found', null), undefined);
    if (s.status !== 'open') return ended(reply, s);
    return send(reply, 200, 'Pay by card', payForm(payView(s)), s);
  });

  app.post<{ Params: { id: string } }>('/pay/:id', async (req, reply) => {
    sweep();
    const s = sessions.get(req.params.id);
    if (!s) return send(reply, 404, 'Not found', endedPage('Not found', null), undefined);
    if (s.status !== 'open') return ended(reply, s);
    if (!formOk(req, s.id)) return send(reply, 403, 'Forbidden', endedPage('Forbidden', null), s);
    const body = (req.body ?? {}) as Params;
    // T5: the number and CVC live only in these locals; nothing below stores, logs or returns them.
    const digits = (str(body.number) ?? '').replace(/[\s-]/g, '');
    const cvcOk = /^\d{3,4}$/.test(str(body.cvc) ?? '');
    const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(str(body.exp) ?? '');
    body.number = '';
    body.cvc = '';
    if (!luhnValid(digits)) return send(reply, 422, 'Pay by card', payForm(payView(s, 'カード番号が正しくありません / Your card number is invalid.')), s);
    const month = Number(exp?.[1]);
    const year = exp ? (exp[2]!.length === 2 ? 2000 + Number(exp[2]) : Number(exp[2])) : 0;
    const today = new Date();
    if (!exp || month < 1 || month > 12 || year * 12 + month < today.getUTCFullYear() * 12 + today.getUTCMonth() + 1) return send(reply, 422, 'Pay by card', payForm(payView(s, '有効期限が正しくありません / Your card\'s expiration date is invalid.')), s);
    if (!cvcOk) return send(reply, 422, 'Pay by card', payForm(payView(s, 'セキュリティコードが正しくありません / Your card\'s security code is incomplete.')), s);
    const behaviour = behaviourOf(digits);
    const card: CardSummary = { brand: brandOf(digits), last4: digits.slice(-4), exp_month: month, exp_year: year, fingerprint: createHmac('sha256', fingerprintKey).update(digits).digest('base64url').slice(0, 16), country: 'JP', funding: 'credit' };
    const pm: PaymentMethodObj = { id: newId('pm'), object: 'payment_method', type: 'card', card, created: now() };
    methods.set(pm.id, pm);
    const pi = intents.get(s.payment_intent)!;
    pi.payment_method = pm.id;
    // Radar: a blocked card is refused before authentication or authorization.
    if (blockedCard(card.fingerprint)) return finish(reply, s, pi, pm, { ok: false, decline: 'fraudulent' });
    if (behaviour.threeDs === 'challenge') {
      // EMV 3-D Secure: the issuer wants the shopper to authenticate.
      pi.status = 'requires_action';
      challenges.set(s.id, { pm, result: behaviour.result, expiresAt: now() + 600 });
      return reply.redirect(`/pay/${s.id}/3ds`, 303);
    }
    return finish(reply, s, pi, pm, behaviour.result);
  });

  function finish(reply: FastifyReply, s: SessionObj, pi: PaymentIntentObj, pm: PaymentMethodObj, result: { ok: true } | { ok: false; decline: Decline }) {
    if (result.ok) {
      succeed(s, pi, pm);
      return reply.redirect(s.success_url, 303);
    }
    const code = result.decline === 'expired_card' || result.decline === 'incorrect_cvc' || result.decline === 'processing_error' ? result.decline : 'card_declined';
    decline(pi, pm, code, code === 'card_declined' ? result.decline : null, declineMessages[result.decline]);
    return send(reply, 402, 'Pay by card', payForm(payView(s, 'このカードはご利用になれませんでした。別のカードをお試しください。 / This card could not be used. Please try another card.')), s);
  }

  app.get<{ Params: { id: string } }>('/pay/:id/3ds', async (req, reply) => {
    sweep();
    const s = sessions.get(req.params.id);
    if (!s) return send(reply, 404, 'Not found', endedPage('Not found', null), undefined);
    if (s.status !== 'open') return ended(reply, s);
    const ch = challenges.get(s.id);
    if (!ch) return reply.redirect(`/pay/${s.id}`, 303);
    return send(reply, 200, '3-D Secure', challengePage(s.id, tokenFor(s.id), ch.pm.card.brand, ch.pm.card.last4, s.amount_total, s.cancel_url), s);
  });

  app.post<{ Params: { id: string } }>('/pay/:id/3ds', async (req, reply) => {
    sweep();
    const s = sessions.get(req.params.id);
    if (!s) return send(reply, 404, 'Not found', endedPage('Not found', null), undefined);
    if (s.status !== 'open') return ended(reply, s);
    if (!formOk(req, s.id)) return send(reply, 403, 'Forbidden', endedPage('Forbidden', null), s);
    const ch = challenges.get(s.id);
    if (!ch) return reply.redirect(`/pay/${s.id}`, 303);
    challenges.delete(s.id);
    const pi = intents.get(s.payment_intent)!;
    if (str(((req.body ?? {}) as Params).action) !== 'complete' || ch.expiresAt < now()) {
      decline(pi, ch.pm, 'payment_intent_authentication_failure', null, 'We are unable to authenticate your payment method. Please choose a different payment method and try again.');
      return send(reply, 402, 'Pay by card', payForm(payView(s, '本人認証に失敗しました。別のカードをお試しください。 / Authentication failed. Please try another card.')), s);
    }
    return finish(reply, s, pi, ch.pm, ch.result);
  });

  const address = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://${apiHost(opts.host)}:${port}`;
  origin = opts.publicUrl ? new URL(opts.publicUrl).origin : url;
  void address;
  return {
    url,
    origin,
    events,
    sweep,
    async settle() {
      while (deliveries.size) await Promise.allSettled([...deliveries]);
    },
    async close() {
      clearInterval(sweeper);
      await app.close();
    },
  };
}

/** The host name the store reaches the API at: localhost for loopback and any-address binds, else the address. */
function apiHost(host: string | undefined): string {
  if (!host || ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
