import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type Stripe from 'stripe';
import type { OrdersService } from '../../orders/service.ts';
import type { OrderStatus } from '../../orders/tables.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { OrderForPayment, PaymentNextStep } from '../method.ts';
import type { CardPaymentStatus } from '../tables.ts';
import { t } from './messages.ts';
import { hostedPageOrigin, stripeClient } from './provider.ts';
import { recordSecurityEvent } from '../../platform/security/event-stream.ts';
import { banGate } from '../../platform/security/ban-gate.ts';

/** Who is paying, for the card-testing limits: the cart owner's key and the client IP (hashed before storage). */
export interface PaymentClient {
  /** `c:<customer id>` or `g:<cart token hash>` */
  cartKey: string | null;
  ip: string;
}

/**
 * T2/T5 card testing (クレジットマスター): attackers try stolen numbers through a shop's checkout until one
 * works. Payment attempts are limited per cart, per IP and per card fingerprint (the provider's keyed hash
 * of the card), and every start, success, failure and refusal is recorded in `payment_attempt`.
 */
/** A short reference to a checkout session for the security-event stream (the session id itself is not needed there). */
export const sessionRef = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url').slice(0, 16);

export const cardLimits = {
  startsPerCartPerHour: 5,
  startsPerIpPerHour: 20,
  failuresPerCartPerHour: 5,
  failuresPerSession: 3,
  failuresPerFingerprintPerDay: 3,
  /** A Checkout Session stays payable this long (Stripe's minimum is 30 minutes); stock stays reserved meanwhile. */
  sessionMinutes: 30,
};

/** Webhooks older than this are refused (replay defence), as Stripe's libraries do by default. */
export const webhookToleranceSeconds = 300;

export type ReturnState = 'paid' | 'processing' | 'failed' | 'not_completed' | 'cancelled' | 'limited';

export interface CardPaymentView {
  orderId: number;
  status: CardPaymentStatus;
  provider: string;
  sessionId: string;
  paymentIntentId: string | null;
  captureMethod: 'automatic' | 'manual';
  amount: number;
  amountRefunded: number;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
}

export interface CardPayments {
  /** The hosted page's origin (for CSP form-action); null while no gateway is configured. */
  hostedOrigin(): string | null;
  /** Before an order is placed: may this client start a card payment? Refusals are recorded. */
  admit(client: PaymentClient): Promise<'ok' | 'limited' | 'unavailable'>;
  /** Creates (or finds again) the provider's Checkout Session for a placed order: a redirect to the hosted page. */
  startCheckout(order: OrderForPayment, client?: PaymentClient): Promise<PaymentNextStep>;
  /** Verifies and applies a provider webhook; 400 for a bad signature or a stale timestamp (recorded). */
  handleWebhook(raw: Buffer, signature: string | undefined, ip: string): Promise<{ status: 200 | 400; outcome: string }>;
  /** The order id a Checkout Session belongs to. */
  orderOfSession(sessionId: string): Promise<number | null>;
  /** Asks the provider where the order's payment stands, applies it, and says what to tell the shopper. */
  returnState(orderId: number): Promise<{ state: ReturnState; payUrl: string | null }>;
  /**
   * "Pay now" for an order still awaiting its card payment (an abandoned 3-D Secure challenge, a declined card):
   * the provider's page while its session is open. Refused while card checkout is switched off (T1: file
   * integrity) or once the order can no longer be paid (paid, cancelled, session ended).
   */
  payNow(orderId: number): Promise<{ url: string } | { refused: 'unavailable' | 'not_payable' }>;
  /** The shopper gives up: the session is expired at the provider and the order cancelled (stock returns). */
  cancelByShopper(orderId: number): Promise<void>;
  /** Staff cancel an unpaid card order: the session is closed at the provider so it cannot be paid later. */
  closeSession(orderId: number): Promise<void>;
  paymentOf(orderId: number): Promise<CardPaymentView | null>;
  /** Full (amount null) or partial refund through the provider; the same request twice refunds once. */
  refund(orderId: number, amount: number | null, staffId: number | null, locale: Locale): Promise<{ amount: number; replayed: boolean }>;
  capture(orderId: number, locale: Locale): Promise<void>;
  void(orderId: number, locale: Locale): Promise<void>;
  /**
   * Makes the provider's card block list (a Radar value list, alias `omamori_banned_cards`) hold exactly these
   * card fingerprints: a banned card is then refused on the payment page, before authorization.
   */
  blockCards(fingerprints: string[]): Promise<void>;
}

/** The provider's block list of banned card fingerprints (with Stripe, add the Radar rule `Block if :card_fingerprint: in @omamori_banned_cards`). */
export const cardBlockListAlias = 'omamori_banned_cards';

/** The card fingerprint and the shopper (cart owner key) behind an order's last declined card payment, for card-testing bans. */
export async function declinedCardClient(db: AppContext['db'], orderId: number): Promise<{ fingerprint: string | null; cartKey: string | null }> {
  const failed = await db.selectFrom('payment_attempt').select(['fingerprint', 'session_id']).where('order_id', '=', orderId).where('kind', '=', 'failed').orderBy('id', 'desc').executeTakeFirst();
  const started = await db.selectFrom('payment_attempt').select('cart_key').where('order_id', '=', orderId).where('kind', '=', 'started').where('cart_key', 'is not', null).orderBy('id', 'desc').executeTakeFirst();
  return { fingerprint: failed?.fingerprint ?? null, cartKey: started?.cart_key ?? null };
}

type Row = {
  id: number;
  order_id: number;
  order_number: string;
  session_id: string;
  payment_intent_id: string | null;
  status: CardPaymentStatus;
  amount: number;
  amount_refunded: number;
  capture_method: 'automatic' | 'manual';
};

const live: CardPaymentStatus[] = ['open', 'processing', 'failed'];
const received: CardPaymentStatus[] = ['paid', 'partially_refunded', 'authorized'];

export function hashIp(ip: string): string {
  return createHash('sha256').update(`omamori-payment-ip:${ip}`).digest('hex').slice(0, 32);
}

export function createCardPayments(ctx: AppContext, deps: { orders: OrdersService; cardCheckoutAllowed?: () => boolean }): CardPayments {
  const { db, config, log } = ctx;
  let client: Stripe | null = null;
  const stripe = () => (client ??= stripeClient(config));

  const rowCols = ['id', 'order_id', 'order_number', 'session_id', 'payment_intent_id', 'status', 'amount', 'amount_refunded', 'capture_method'] as const;
  const latestRow = (orderId: number) => db.selectFrom('card_payment').select(rowCols).where('order_id', '=', orderId).orderBy('id', 'desc').executeTakeFirst() as Promise<Row | undefined>;

  async function move(orderId: number, from: OrderStatus, to: OrderStatus, note: string): Promise<boolean> {
    try {
      await deps.orders.transition(orderId, to, null, note, { expectedFrom: from });
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return false; // someone else applied it first
      throw err;
    }
  }

  /** What the provider says about the payment, reduced to our status (the provider is the truth, not the event order). */
  function providerStatus(s: Stripe.Checkout.Session, pi: Stripe.PaymentIntent | null, charge: Stripe.Charge | null): CardPaymentStatus {
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

  /** Reads the session from the provider, stores what we keep, and moves the order (each change once). */
  async function reconcile(row: Row): Promise<{ status: CardPaymentStatus; url: string | null }> {
    const s = await stripe().checkout.sessions.retrieve(row.session_id, { expand: ['payment_intent', 'payment_intent.payment_method', 'payment_intent.latest_charge'] });
    const pi = s.payment_intent && typeof s.payment_intent === 'object' ? s.payment_intent : null;
    const charge = pi?.latest_charge && typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
    let status = providerStatus(s, pi, charge);
    // T5: only brand, last 4 and expiry are kept, for the receipt and the order page.
    const card = (pi?.payment_method && typeof pi.payment_method === 'object' ? pi.payment_method.card : null) ?? charge?.payment_method_details?.card ?? null;
    const order = await deps.orders.byId(row.order_id);
    if (order) status = await applyToOrder(row, order.status, status, pi?.id ?? null);
    await db
      .updateTable('card_payment')
      .set({
        status,
        payment_intent_id: pi?.id ?? row.payment_intent_id,
        amount_refunded: charge?.amount_refunded ?? row.amount_refunded,
        ...(card ? { card_brand: card.brand, card_last4: card.last4, card_exp_month: card.exp_month, card_exp_year: card.exp_year } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', row.id)
      .execute();
    return { status, url: s.status === 'open' ? s.url : null };
  }

  async function applyToOrder(row: Row, orderStatus: OrderStatus, status: CardPaymentStatus, ref: string | null): Promise<CardPaymentStatus> {
    const note = `card ${status}${ref ? ` (${ref})` : ''}`;
    if (orderStatus === 'cancelled' && (received.includes(status) || status === 'refunded')) {
      // Money arrived for an order that was already given up: staff must refund it (shown on the order page).
      if (status === 'refunded') return status;
      log.warn({ order: row.order_number, status }, 'card payment for a cancelled order');
      return 'needs_attention';
    }
    if (status === 'paid' || status === 'partially_refunded') {
      if (orderStatus === 'awaiting_payment') await move(row.order_id, 'awaiting_payment', 'paid', note);
    } else if (status === 'refunded') {
      if (orderStatus === 'awaiting_payment') await move(row.order_id, 'awaiting_payment', 'paid', note);
      const now = orderStatus === 'awaiting_payment' ? 'paid' : orderStatus;
      if (now === 'paid' || now === 'shipped' || now === 'delivered') await move(row.order_id, now, 'refunded', note);
    } else if (status === 'expired' || status === 'voided') {
      // Failed/abandoned/expired: nothing was paid, so the order is cancelled and its stock returns.
      if (orderStatus === 'awaiting_payment') await move(row.order_id, 'awaiting_payment', 'cancelled', note);
    }
    return status;
  }

  async function countAttempts(where: { kind: 'started' | 'failed'; since: Date; cartKey?: string; ipHash?: string; fingerprint?: string; sessionId?: string }): Promise<number> {
    let q = db.selectFrom('payment_attempt').select(sql<number>`count(*)::int`.as('n')).where('kind', '=', where.kind).where('created_at', '>=', where.since);
    if (where.cartKey !== undefined) q = q.where('cart_key', '=', where.cartKey);
    if (where.ipHash !== undefined) q = q.where('ip_hash', '=', where.ipHash);
    if (where.fingerprint !== undefined) q = q.where('fingerprint', '=', where.fingerprint);
    if (where.sessionId !== undefined) q = q.where('session_id', '=', where.sessionId);
    return (await q.executeTakeFirstOrThrow()).n;
  }

  async function failuresOfCart(cartKey: string, since: Date): Promise<number> {
    const row = await db
      .selectFrom('payment_attempt as f')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('f.kind', '=', 'failed')
      .where('f.created_at', '>=', since)
      .where('f.session_id', 'in', db.selectFrom('payment_attempt as s').select('s.session_id').where('s.kind', '=', 'started').where('s.cart_key', '=', cartKey).where('s.session_id', 'is not', null))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async function onFailure(event: Stripe.Event, row: Row) {
    const pi = event.data.object as Stripe.PaymentIntent;
    const error = pi.last_payment_error;
    const fingerprint = error?.payment_method?.card?.fingerprint ?? null;
    // The reason is kept for detection only; the shopper always sees one generic message.
    await db.insertInto('payment_attempt').values({ kind: 'failed', order_id: row.order_id, session_id: row.session_id, fingerprint, reason: error?.decline_code ?? error?.code ?? 'unknown', event_id: event.id }).onConflict((oc) => oc.column('event_id').doNothing()).execute();
    recordSecurityEvent(ctx, { kind: /authenticat|3ds|three_d/i.test(error?.code ?? '') ? 'payment.3ds_failed' : 'payment.card_declined', outcome: 'failure', detail: { reason: (error?.decline_code ?? error?.code ?? 'unknown').slice(0, 60), order: row.order_id, session: sessionRef(row.session_id), card: fingerprint ? createHash('sha256').update(fingerprint).digest('base64url').slice(0, 16) : null } });
    const dayAgo = new Date(Date.now() - 24 * 3600_000);
    const perSession = await countAttempts({ kind: 'failed', since: dayAgo, sessionId: row.session_id });
    const perCard = fingerprint ? await countAttempts({ kind: 'failed', since: dayAgo, fingerprint }) : 0;
    if (perSession >= cardLimits.failuresPerSession || perCard >= cardLimits.failuresPerFingerprintPerDay) {
      await db.insertInto('payment_attempt').values({ kind: 'limited', order_id: row.order_id, session_id: row.session_id, fingerprint, reason: perSession >= cardLimits.failuresPerSession ? 'session_failures' : 'card_failures' }).execute();
      log.warn({ order: row.order_number, perSession, perCard }, 'card payment attempts limited: session expired');
      recordSecurityEvent(ctx, { kind: 'payment.card_testing_limit', outcome: 'refused', detail: { reason: perSession >= cardLimits.failuresPerSession ? 'session_failures' : 'card_failures', order: row.order_id } });
      await expireSession(row.session_id);
    }
  }

  async function expireSession(sessionId: string) {
    try {
      await stripe().checkout.sessions.expire(sessionId);
    } catch (err) {
      if ((err as { type?: string }).type !== 'StripeInvalidRequestError') throw err; // already complete or expired
    }
  }

  async function rowForEvent(event: Stripe.Event): Promise<Row | undefined> {
    const object = event.data.object as unknown as { id: string; object: string; metadata?: Record<string, string> | null; payment_intent?: string | { id: string } | null };
    const q = db.selectFrom('card_payment').select(rowCols).orderBy('id', 'desc');
    if (object.object === 'checkout.session') return (await q.where('session_id', '=', object.id).executeTakeFirst()) as Row | undefined;
    const piId = object.object === 'payment_intent' ? object.id : typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent?.id;
    if (piId) {
      const found = (await q.where('payment_intent_id', '=', piId).executeTakeFirst()) as Row | undefined;
      if (found) return found;
    }
    const number = object.metadata?.order_number;
    return number ? ((await q.where('order_number', '=', number).executeTakeFirst()) as Row | undefined) : undefined;
  }

  /** Every parameter derives from the order, so a retry with the same Idempotency-Key sends the same request. */
  function createSession(order: OrderForPayment, placedAt: Date, returnUrl: string): Promise<Stripe.Checkout.Session> {
    return stripe().checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ quantity: 1, price_data: { currency: 'jpy', unit_amount: order.total, product_data: { name: order.locale === 'ja' ? `ご注文 ${order.number}` : `Order ${order.number}` } } }],
        success_url: `${config.publicUrl}/checkout/card/return?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: returnUrl,
        customer_email: order.email,
        client_reference_id: order.number,
        locale: order.locale,
        // Stripe wants at least 30 minutes from now: the order was placed a moment ago.
        expires_at: Math.floor(placedAt.getTime() / 1000) + (cardLimits.sessionMinutes + 1) * 60,
        metadata: { order_number: order.number },
        payment_intent_data: { capture_method: config.cardCapture, metadata: { order_number: order.number } },
      },
      { idempotencyKey: `checkout-session:${order.number}:${order.total}` },
    );
  }

  // A webhook that never arrives (store down longer than the provider retries) must not leave an order
  // waiting with its stock reserved: sessions past their expiry are read back from the provider.
  ctx.scheduler.every('card-payment-reconcile', 10 * 60_000, async () => {
    const stale = new Date(Date.now() - (cardLimits.sessionMinutes + 10) * 60_000);
    const rows = (await db.selectFrom('card_payment').select(rowCols).where('status', 'in', [...live, 'authorized']).where('created_at', '<', stale).limit(100).execute()) as Row[];
    for (const row of rows) {
      try {
        await reconcile(row);
      } catch (err) {
        log.warn({ err: (err as Error).message, order: row.order_number }, 'card payment could not be reconciled');
      }
    }
  });

  const handled = new Set(['checkout.session.completed', 'checkout.session.expired', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.amount_capturable_updated', 'payment_intent.canceled', 'charge.refunded', 'charge.captured']);

  async function blockCards(fingerprints: string[]) {
    const radar = stripe().radar;
    const lists = await radar.valueLists.list({ alias: cardBlockListAlias, limit: 1 });
    const list = lists.data[0] ?? (await radar.valueLists.create({ alias: cardBlockListAlias, name: 'omamori: banned cards', item_type: 'card_fingerprint' }));
    const items = await radar.valueListItems.list({ value_list: list.id, limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const want = new Set(fingerprints);
    const have = new Set(items.map((i) => i.value));
    for (const i of items) if (!want.has(i.value)) await radar.valueListItems.del(i.id);
    for (const f of want) if (!have.has(f)) await radar.valueListItems.create({ value_list: list.id, value: f });
  }

  return {
    hostedOrigin: () => hostedPageOrigin(config),
    blockCards,

    async admit(c) {
      if (deps.cardCheckoutAllowed && !deps.cardCheckoutAllowed()) return 'unavailable';
      const hourAgo = new Date(Date.now() - 3600_000);
      const ipHash = hashIp(c.ip);
      let reason: string | null = null;
      // T2: a shopper session banned for card testing is refused at payment start (in-memory check, no I/O).
      if (c.cartKey && banGate()?.session(c.cartKey)) reason = 'session_banned';
      else if (c.cartKey && (await countAttempts({ kind: 'started', since: hourAgo, cartKey: c.cartKey })) >= cardLimits.startsPerCartPerHour) reason = 'cart_starts';
      else if ((await countAttempts({ kind: 'started', since: hourAgo, ipHash })) >= cardLimits.startsPerIpPerHour) reason = 'ip_starts';
      else if (c.cartKey && (await failuresOfCart(c.cartKey, hourAgo)) >= cardLimits.failuresPerCartPerHour) reason = 'cart_failures';
      if (!reason) return 'ok';
      await db.insertInto('payment_attempt').values({ kind: 'limited', cart_key: c.cartKey, ip_hash: ipHash, reason }).execute();
      log.warn({ reason }, 'card payment attempts limited at checkout');
      recordSecurityEvent(ctx, { kind: 'payment.card_testing_limit', outcome: 'refused', ip: c.ip, detail: { reason } });
      return 'limited';
    },

    async startCheckout(order, c) {
      const placed = await db.selectFrom('orders').select(['id', 'placed_at']).where('number', '=', order.number).executeTakeFirstOrThrow();
      const orderId = placed.id;
      const existing = await latestRow(orderId);
      const returnUrl = `${config.publicUrl}/checkout/card/return?order=${encodeURIComponent(order.number)}`;
      if (existing) {
        // A repeated submit: the same session while it is payable, otherwise the return page says where things stand.
        if (live.includes(existing.status)) {
          const s = await stripe().checkout.sessions.retrieve(existing.session_id);
          if (s.status === 'open' && s.url) return { kind: 'redirect', url: s.url };
        }
        return { kind: 'redirect', url: returnUrl };
      }
      let session: Stripe.Checkout.Session;
      try {
        session = await createSession(order, placed.placed_at, returnUrl);
      } catch (err) {
        // No session, no way to pay: the order is cancelled at once so its stock returns.
        log.error({ err: (err as Error).message, order: order.number }, 'card payment session could not be created');
        await move(orderId, 'awaiting_payment', 'cancelled', 'card payment could not start');
        throw new AppError('conflict', { message: t(order.locale, 'unavailable') });
      }
      if (!session.url) throw new AppError('internal');
      await db
        .insertInto('card_payment')
        .values({ order_id: orderId, order_number: order.number, provider: config.paymentProvider, session_id: session.id, payment_intent_id: typeof session.payment_intent === 'string' ? session.payment_intent : null, capture_method: config.cardCapture, amount: order.total })
        .onConflict((oc) => oc.column('session_id').doNothing())
        .execute();
      await db.insertInto('payment_attempt').values({ kind: 'started', order_id: orderId, session_id: session.id, cart_key: c?.cartKey ?? null, ip_hash: c ? hashIp(c.ip) : null }).execute();
      // Issue 12: the card-testing detector ties a later decline (a webhook, without the shopper's address) to this client.
      recordSecurityEvent(ctx, { kind: 'payment.card_started', outcome: 'done', ip: c?.ip ?? null, detail: { session: sessionRef(session.id), order: orderId } });
      return { kind: 'redirect', url: session.url };
    },

    async handleWebhook(raw, signature, ip) {
      let event: Stripe.Event;
      try {
        event = stripe().webhooks.constructEvent(raw, signature ?? '', config.stripeWebhookSecret, webhookToleranceSeconds);
      } catch (err) {
        const message = (err as Error).message ?? '';
        const reason = /tolerance/i.test(message) ? 'timestamp' : (err as { type?: string }).type === 'StripeSignatureVerificationError' ? 'signature' : 'malformed';
        // T2: forged or replayed webhooks are refused and recorded, never applied.
        await db.insertInto('payment_webhook_rejection').values({ reason, ip_hash: hashIp(ip) }).execute();
        log.warn({ reason }, 'payment webhook refused');
        return { status: 400, outcome: reason };
      }
      const seen = await db.selectFrom('payment_event').select('event_id').where('event_id', '=', event.id).executeTakeFirst();
      if (seen) return { status: 200, outcome: 'duplicate' };
      let outcome = 'ignored';
      let orderId: number | null = null;
      if (handled.has(event.type)) {
        const row = await rowForEvent(event);
        if (row) {
          orderId = row.order_id;
          if (event.type === 'payment_intent.payment_failed') await onFailure(event, row);
          if (event.type === 'payment_intent.succeeded' || event.type === 'payment_intent.amount_capturable_updated') {
            const first = await db.insertInto('payment_attempt').values({ kind: 'succeeded', order_id: row.order_id, session_id: row.session_id, fingerprint: null, event_id: event.id }).onConflict((oc) => oc.column('event_id').doNothing()).returning('id').executeTakeFirst();
            if (first) recordSecurityEvent(ctx, { kind: 'payment.card_paid', outcome: 'success', detail: { session: sessionRef(row.session_id), order: row.order_id } });
          }
          outcome = (await reconcile(row)).status;
        } else outcome = 'unknown_payment';
      }
      await db.insertInto('payment_event').values({ event_id: event.id, type: event.type, order_id: orderId, outcome }).onConflict((oc) => oc.column('event_id').doNothing()).execute();
      return { status: 200, outcome };
    },

    async orderOfSession(sessionId) {
      const row = await db.selectFrom('card_payment').select('order_id').where('session_id', '=', sessionId).executeTakeFirst();
      return row?.order_id ?? null;
    },

    async returnState(orderId) {
      const row = await latestRow(orderId);
      if (!row) return { state: 'cancelled', payUrl: null };
      let status = row.status;
      let url: string | null = null;
      try {
        ({ status, url } = await reconcile(row));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not reach the payment provider');
      }
      const limited = await db.selectFrom('payment_attempt').select('id').where('session_id', '=', row.session_id).where('kind', '=', 'limited').executeTakeFirst();
      switch (status) {
        case 'paid':
        case 'authorized':
        case 'partially_refunded':
        case 'refunded':
          return { state: 'paid', payUrl: null };
        case 'processing':
        case 'needs_attention':
          return { state: 'processing', payUrl: null };
        case 'failed':
          return { state: 'failed', payUrl: url };
        case 'open':
          return { state: 'not_completed', payUrl: url };
        default:
          return { state: limited ? 'limited' : 'cancelled', payUrl: null };
      }
    },

    async payNow(orderId) {
      // T1: no hand-off to a card page while the deployed code is in doubt.
      if (deps.cardCheckoutAllowed && !deps.cardCheckoutAllowed()) return { refused: 'unavailable' };
      const row = await latestRow(orderId);
      if (!row) return { refused: 'not_payable' };
      // The provider is asked first: a payment that went through meanwhile is applied, an ended session cancels.
      let state: { status: CardPaymentStatus; url: string | null };
      try {
        state = await reconcile(row);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not reach the payment provider');
        return { refused: 'unavailable' };
      }
      const { status, url } = state;
      const order = await deps.orders.byId(orderId);
      if (!url || order?.status !== 'awaiting_payment' || !live.includes(status)) return { refused: 'not_payable' };
      return { url };
    },

    async cancelByShopper(orderId) {
      const row = await latestRow(orderId);
      if (!row || !live.includes(row.status)) return;
      await expireSession(row.session_id);
      await reconcile(row);
    },

    async closeSession(orderId) {
      const row = await latestRow(orderId);
      if (!row || !live.includes(row.status)) return;
      await expireSession(row.session_id);
      const s = await stripe().checkout.sessions.retrieve(row.session_id);
      if (s.status === 'complete') await reconcile(row); // paid meanwhile: the order moves to paid, and the cancel is refused
    },

    async paymentOf(orderId) {
      const r = await db.selectFrom('card_payment').selectAll().where('order_id', '=', orderId).orderBy('id', 'desc').executeTakeFirst();
      if (!r) return null;
      return { orderId: r.order_id, status: r.status, provider: r.provider, sessionId: r.session_id, paymentIntentId: r.payment_intent_id, captureMethod: r.capture_method, amount: r.amount, amountRefunded: r.amount_refunded, brand: r.card_brand, last4: r.card_last4, expMonth: r.card_exp_month, expYear: r.card_exp_year };
    },

    async refund(orderId, amount, staffId, locale) {
      const first = await latestRow(orderId);
      if (!first || !first.payment_intent_id) throw new AppError('conflict', { message: refundMessage(locale, 'none') });
      await reconcile(first);
      const row = (await latestRow(orderId))!;
      if (row.status !== 'paid' && row.status !== 'partially_refunded' && row.status !== 'needs_attention') throw new AppError('conflict', { message: refundMessage(locale, 'none') });
      const left = row.amount - row.amount_refunded;
      const value = amount ?? left;
      if (!Number.isInteger(value) || value < 1 || value > left) throw new AppError('validation', { fields: { amount: refundMessage(locale, 'amount', left) } });
      // Idempotency-Key from the order, the amount and what was refunded before: a double submit refunds once.
      const key = `refund:${row.order_number}:${value}:${row.amount_refunded}`;
      const inserted = await db.insertInto('payment_refund').values({ order_id: orderId, card_payment_id: row.id, amount: value, idempotency_key: key, staff_id: staffId }).onConflict((oc) => oc.column('idempotency_key').doNothing()).returning('id').executeTakeFirst();
      const refund = await stripe().refunds.create({ payment_intent: row.payment_intent_id!, amount: value, metadata: { order_number: row.order_number } }, { idempotencyKey: key });
      await db.updateTable('payment_refund').set({ provider_refund_id: refund.id }).where('idempotency_key', '=', key).execute();
      await reconcile(row);
      return { amount: value, replayed: !inserted };
    },

    async capture(orderId, locale) {
      const row = await latestRow(orderId);
      if (!row?.payment_intent_id || row.status !== 'authorized') throw new AppError('conflict', { message: refundMessage(locale, 'none') });
      await stripe().paymentIntents.capture(row.payment_intent_id, {}, { idempotencyKey: `capture:${row.order_number}:${row.amount}` });
      await reconcile(row);
    },

    async void(orderId, locale) {
      const row = await latestRow(orderId);
      if (!row?.payment_intent_id || row.status !== 'authorized') throw new AppError('conflict', { message: refundMessage(locale, 'none') });
      await stripe().paymentIntents.cancel(row.payment_intent_id, {}, { idempotencyKey: `void:${row.order_number}:${row.amount}` });
      await reconcile(row);
    },
  };
}

function refundMessage(locale: Locale, kind: 'none' | 'amount', left = 0): string {
  if (kind === 'none') return locale === 'ja' ? 'このご注文にはこの操作を行えるカード決済がありません。' : 'This order has no card payment this can be done to.';
  return locale === 'ja' ? `1円から${left.toLocaleString('ja-JP')}円までの金額を入力してください。` : `Enter an amount from ¥1 to ¥${left.toLocaleString('en-US')}.`;
}
