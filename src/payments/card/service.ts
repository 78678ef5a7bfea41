import type { OrdersService } from '../../orders/service.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import type { OrderForPayment, PaymentNextStep } from '../../orders/payment-methods/method.ts';
import { asyncMethods, type AsyncInstructions, type HostedMethod, type PaymentProvider } from '../provider.ts';
import type { PaymentProviders } from '../providers/index.ts';
import type { CardPaymentStatus } from '../tables.ts';
import { cardLimits, createAttempts, type PaymentClient } from './attempts.ts';
import { t } from './messages.ts';
import { stripeClient } from './provider.ts';
import { createReconciliation, instructionsOf, live, type PaymentRow } from './reconciliation.ts';
import { createWebhooks } from './webhooks.ts';

export { cardLimits, hashIp, sessionRef, type PaymentClient } from './attempts.ts';
export { webhookToleranceSeconds } from '../provider.ts';

/** awaiting: a コンビニ決済/Pay-easy payment waiting for the shopper's cash (instructions shown). */
export type ReturnState = 'paid' | 'processing' | 'awaiting' | 'failed' | 'not_completed' | 'cancelled' | 'limited';

export interface CardPaymentView {
  orderId: number;
  status: CardPaymentStatus;
  provider: string;
  method: HostedMethod;
  sessionId: string;
  paymentIntentId: string | null;
  captureMethod: 'automatic' | 'manual';
  amount: number;
  amountRefunded: number;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  payDeadline: Date | null;
  instructions: AsyncInstructions | null;
}

/**
 * Payments on a provider's hosted page (card with 3-D Secure; through KOMOJU also コンビニ決済, PayPay and
 * Pay-easy). A small facade over attempts (card-testing limits), reconciliation (the provider is the truth)
 * and webhooks; the provider itself is behind the neutral `PaymentProvider` interface.
 */
export interface CardPayments {
  /** The hosted pages' origins (for CSP form-action): every configured provider's. */
  hostedOrigins(): string[];
  /** The hosted page's origin of the Stripe adapter (kept for callers that know one provider). */
  hostedOrigin(): string | null;
  /** Before an order is placed: may this client start a card payment? Refusals are recorded. */
  admit(client: PaymentClient): Promise<'ok' | 'limited' | 'unavailable'>;
  /** Creates (or finds again) the provider's session for a placed order: a redirect to the hosted page. */
  startCheckout(order: OrderForPayment, client?: PaymentClient, method?: HostedMethod): Promise<PaymentNextStep>;
  /** Verifies and applies a provider webhook; 400 for a bad signature or a stale timestamp (recorded). */
  handleWebhook(raw: Buffer, signature: string | undefined, ip: string, provider?: 'stripe' | 'komoju'): Promise<{ status: 200 | 400; outcome: string }>;
  /** The order id a session belongs to. */
  orderOfSession(sessionId: string): Promise<number | null>;
  /** Asks the provider where the order's payment stands, applies it, and says what to tell the shopper. */
  returnState(orderId: number): Promise<{ state: ReturnState; payUrl: string | null; instructions: AsyncInstructions | null }>;
  /**
   * "Pay now" for an order still awaiting its card payment (an abandoned 3-D Secure challenge, a declined card):
   * the provider's page while its session is open. Refused while card checkout is switched off (T1: file
   * integrity) or once the order can no longer be paid (paid, cancelled, session ended).
   */
  payNow(orderId: number): Promise<{ url: string } | { refused: 'unavailable' | 'not_payable' }>;
  /** The shopper gives up: the session is expired at the provider and the order cancelled (stock returns). */
  cancelByShopper(orderId: number): Promise<void>;
  /** Staff cancel an unpaid order: the session is closed at the provider so it cannot be paid later. */
  closeSession(orderId: number): Promise<void>;
  paymentOf(orderId: number): Promise<CardPaymentView | null>;
  /** Full (amount null) or partial refund through the provider; the same request twice refunds once. */
  refund(orderId: number, amount: number | null, staffId: number | null, locale: Locale): Promise<{ amount: number; replayed: boolean }>;
  capture(orderId: number, locale: Locale): Promise<void>;
  void(orderId: number, locale: Locale): Promise<void>;
  /**
   * Makes the provider's card block list (a Radar value list, alias `omamori_banned_cards`) hold exactly these
   * card fingerprints: a banned card is then refused on the payment page, before authorization (Stripe only).
   */
  blockCards(fingerprints: string[]): Promise<void>;
  /** Reads back every payment still waiting (the scheduled task; tests call it directly). */
  reconcileStale(now?: Date): Promise<number>;
  /** The provider and methods new payments use, from the shop's settings and what is configured. */
  offered(): Promise<{ provider: PaymentProvider; methods: readonly HostedMethod[] }>;
}

/** The provider's block list of banned card fingerprints (with Stripe, add the Radar rule `Block if :card_fingerprint: in @omamori_banned_cards`). */
export const cardBlockListAlias = 'omamori_banned_cards';

/** The card fingerprint and the shopper (cart owner key) behind an order's last declined card payment, for card-testing bans. */
export async function declinedCardClient(db: AppContext['db'], orderId: number): Promise<{ fingerprint: string | null; cartKey: string | null }> {
  const failed = await db.selectFrom('payment_attempt').select(['fingerprint', 'session_id']).where('order_id', '=', orderId).where('kind', '=', 'failed').orderBy('id', 'desc').executeTakeFirst();
  const started = await db.selectFrom('payment_attempt').select('cart_key').where('order_id', '=', orderId).where('kind', '=', 'started').where('cart_key', 'is not', null).orderBy('id', 'desc').executeTakeFirst();
  return { fingerprint: failed?.fingerprint ?? null, cartKey: started?.cart_key ?? null };
}

export function createCardPayments(
  ctx: AppContext,
  deps: { orders: OrdersService; providers: PaymentProviders; shop?: { get(): Promise<ShopSettings> }; cardCheckoutAllowed?: () => boolean },
): CardPayments {
  const { db, config, log } = ctx;
  const { providers } = deps;
  const providerOf = (row: Pick<PaymentRow, 'provider'>) => providers.of(row.provider);
  const reconciliation = createReconciliation(ctx, { orders: deps.orders, providerOf, shopName: async () => (deps.shop ? (await deps.shop.get()).name : 'omamori') });
  const { latestRow, move, reconcile } = reconciliation;
  const closeAtProvider = (row: Pick<PaymentRow, 'provider' | 'session_id'>) => providerOf(row).closeSession(row.session_id);
  const attempts = createAttempts(ctx, { closeSession: closeAtProvider });
  const webhooks = createWebhooks(ctx, { attempts, reconciliation });

  async function offered() {
    const settings = deps.shop ? await deps.shop.get() : null;
    const provider = providers.chosen(settings?.payment_provider ?? 'stripe');
    const wanted = settings?.hosted_methods ?? ['card'];
    return { provider, methods: provider.methods.filter((m) => wanted.includes(m)) };
  }

  async function blockCards(fingerprints: string[]) {
    const radar = stripeClient(config).radar;
    const lists = await radar.valueLists.list({ alias: cardBlockListAlias, limit: 1 });
    const list = lists.data[0] ?? (await radar.valueLists.create({ alias: cardBlockListAlias, name: 'omamori: banned cards', item_type: 'card_fingerprint' }));
    const items = await radar.valueListItems.list({ value_list: list.id, limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const want = new Set(fingerprints);
    const have = new Set(items.map((i) => i.value));
    for (const i of items) if (!want.has(i.value)) await radar.valueListItems.del(i.id);
    for (const f of want) if (!have.has(f)) await radar.valueListItems.create({ value_list: list.id, value: f });
  }

  return {
    blockCards,
    hostedOrigins: () => providers.all().map((p) => p.hostedOrigin()).filter((o): o is string => !!o),
    hostedOrigin: () => providers.of('stripe').hostedOrigin(),

    async admit(c) {
      if (deps.cardCheckoutAllowed && !deps.cardCheckoutAllowed()) return 'unavailable';
      return attempts.admit(c);
    },

    async startCheckout(order, c, method = 'card') {
      const placed = await db.selectFrom('orders').select(['id', 'placed_at']).where('number', '=', order.number).executeTakeFirstOrThrow();
      const orderId = placed.id;
      const existing = await latestRow(orderId);
      const returnUrl = `${config.publicUrl}/checkout/card/return?order=${encodeURIComponent(order.number)}`;
      if (existing) {
        // A repeated submit: the same session while it is payable, otherwise the return page says where things stand.
        if (live.includes(existing.status)) {
          const s = await providerOf(existing).readPayment(existing.session_id).catch(() => null);
          if (s?.url) return { kind: 'redirect', url: s.url };
        }
        return { kind: 'redirect', url: returnUrl };
      }
      const { provider } = await offered();
      let session;
      try {
        if (!provider.methods.includes(method)) throw new Error(`${provider.id} does not offer ${method}`);
        // Every parameter derives from the order, so a retry with the same idempotency key sends the same request.
        session = await provider.createHostedPayment({
          orderNumber: order.number,
          amount: order.total,
          email: order.email,
          locale: order.locale,
          method,
          capture: config.cardCapture,
          successUrl: `${config.publicUrl}/checkout/card/return`,
          cancelUrl: returnUrl,
          // Stripe wants at least 30 minutes from now: the order was placed a moment ago.
          expiresAt: new Date(placed.placed_at.getTime() + (cardLimits.sessionMinutes + 1) * 60_000),
          idempotencyKey: `checkout-session:${order.number}:${order.total}`,
        });
      } catch (err) {
        // No session, no way to pay: the order is cancelled at once so its stock returns.
        log.error({ err: (err as Error).message, order: order.number }, 'payment session could not be created');
        await move(orderId, 'awaiting_payment', 'cancelled', 'card payment could not start');
        throw new AppError('conflict', { message: t(order.locale, 'unavailable') });
      }
      await db
        .insertInto('card_payment')
        .values({ order_id: orderId, order_number: order.number, provider: providers.storedName(provider), method, session_id: session.id, payment_intent_id: session.paymentRef, capture_method: config.cardCapture, amount: order.total })
        .onConflict((oc) => oc.column('session_id').doNothing())
        .execute();
      await attempts.started(orderId, session.id, c);
      return { kind: 'redirect', url: session.url };
    },

    handleWebhook: (raw, signature, ip, provider = 'stripe') => webhooks.handle(providers.of(provider), raw, signature, ip),

    async orderOfSession(sessionId) {
      const row = await db.selectFrom('card_payment').select('order_id').where('session_id', '=', sessionId).executeTakeFirst();
      return row?.order_id ?? null;
    },

    async returnState(orderId) {
      const row = await latestRow(orderId);
      if (!row) return { state: 'cancelled', payUrl: null, instructions: null };
      let status = row.status;
      let url: string | null = null;
      let instructions = instructionsOf(row);
      try {
        ({ status, url, instructions } = await reconcile(row));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not reach the payment provider');
      }
      switch (status) {
        case 'paid':
        case 'authorized':
        case 'partially_refunded':
        case 'refunded':
          return { state: 'paid', payUrl: null, instructions: null };
        case 'processing':
          return instructions ? { state: 'awaiting', payUrl: null, instructions } : { state: 'processing', payUrl: null, instructions: null };
        case 'needs_attention':
          return { state: 'processing', payUrl: null, instructions: null };
        case 'failed':
          return { state: 'failed', payUrl: url, instructions: null };
        case 'open':
          return { state: 'not_completed', payUrl: url, instructions: null };
        default:
          return { state: (await attempts.wasLimited(row.session_id)) ? 'limited' : 'cancelled', payUrl: null, instructions: null };
      }
    },

    async payNow(orderId) {
      // T1: no hand-off to a card page while the deployed code is in doubt.
      if (deps.cardCheckoutAllowed && !deps.cardCheckoutAllowed()) return { refused: 'unavailable' };
      const row = await latestRow(orderId);
      if (!row) return { refused: 'not_payable' };
      // The provider is asked first: a payment that went through meanwhile is applied, an ended session cancels.
      let state: { status: CardPaymentStatus; url: string | null; instructions: AsyncInstructions | null };
      try {
        state = await reconcile(row);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not reach the payment provider');
        return { refused: 'unavailable' };
      }
      const { status, url } = state;
      const order = await deps.orders.byId(orderId);
      if (order?.status === 'awaiting_payment' && state.instructions && status === 'processing') return { url: `/checkout/card/return?order=${encodeURIComponent(order.number)}` };
      if (!url || order?.status !== 'awaiting_payment' || !live.includes(status)) return { refused: 'not_payable' };
      return { url };
    },

    async cancelByShopper(orderId) {
      const row = await latestRow(orderId);
      if (!row || !live.includes(row.status)) return;
      await closeAtProvider(row);
      await reconcile(row);
    },

    async closeSession(orderId) {
      const row = await latestRow(orderId);
      if (!row || !live.includes(row.status)) return;
      // コンビニ決済/Pay-easy waiting for the cash: the payment number is cancelled at the provider, so it can no longer be paid.
      if (row.status === 'processing' && row.payment_intent_id && asyncMethods.includes(row.method)) await providerOf(row).void(row.payment_intent_id, `void:${row.order_number}:${row.amount}`).catch((err) => log.warn({ err: (err as Error).message }, 'waiting payment could not be cancelled at the provider'));
      await closeAtProvider(row);
      const s = await providerOf(row).readPayment(row.session_id);
      if (s.completed) await reconcile(row); // paid meanwhile: the order moves to paid, and the cancel is refused
    },

    async paymentOf(orderId) {
      const r = await db.selectFrom('card_payment').selectAll().where('order_id', '=', orderId).orderBy('id', 'desc').executeTakeFirst();
      if (!r) return null;
      return { orderId: r.order_id, status: r.status, provider: r.provider, method: r.method, sessionId: r.session_id, paymentIntentId: r.payment_intent_id, captureMethod: r.capture_method, amount: r.amount, amountRefunded: r.amount_refunded, brand: r.card_brand, last4: r.card_last4, expMonth: r.card_exp_month, expYear: r.card_exp_year, payDeadline: r.pay_deadline, instructions: instructionsOf(r) };
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
      const refund = await providerOf(row).refund(row.payment_intent_id!, value, key, row.order_number);
      await db.updateTable('payment_refund').set({ provider_refund_id: refund.id }).where('idempotency_key', '=', key).execute();
      await reconcile(row);
      return { amount: value, replayed: !inserted };
    },

    async capture(orderId, locale) {
      const row = await latestRow(orderId);
      if (!row?.payment_intent_id || row.status !== 'authorized') throw new AppError('conflict', { message: refundMessage(locale, 'none') });
      await providerOf(row).capture(row.payment_intent_id, `capture:${row.order_number}:${row.amount}`);
      await reconcile(row);
    },

    async void(orderId, locale) {
      const row = await latestRow(orderId);
      if (!row?.payment_intent_id || row.status !== 'authorized') throw new AppError('conflict', { message: refundMessage(locale, 'none') });
      await providerOf(row).void(row.payment_intent_id, `void:${row.order_number}:${row.amount}`);
      await reconcile(row);
    },

    reconcileStale: (now) => reconciliation.reconcileStale(now),
    offered,
  };
}

function refundMessage(locale: Locale, kind: 'none' | 'amount', left = 0): string {
  if (kind === 'none') return locale === 'ja' ? 'このご注文にはこの操作を行えるカード決済がありません。' : 'This order has no card payment this can be done to.';
  return locale === 'ja' ? `1円から${left.toLocaleString('ja-JP')}円までの金額を入力してください。` : `Enter an amount from ¥1 to ¥${left.toLocaleString('en-US')}.`;
}
