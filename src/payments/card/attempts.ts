import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.ts';
import { recordSecurityEvent } from '../../platform/security/event-stream.ts';
import { banGate } from '../../platform/security/ban-gate.ts';
import type { ProviderEvent } from '../provider.ts';
import type { PaymentRow } from './reconciliation.ts';

/** Who is paying, for the card-testing limits: the cart owner's key and the client IP (hashed before storage). */
export interface PaymentClient {
  /** `c:<customer id>` or `g:<cart token hash>` */
  cartKey: string | null;
  ip: string;
}

/** A short reference to a checkout session for the security-event stream (the session id itself is not needed there). */
export const sessionRef = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url').slice(0, 16);

/**
 * T2/T5 card testing (クレジットマスター): attackers try stolen numbers through a shop's checkout until one
 * works. Payment attempts are limited per cart, per IP and per card fingerprint (the provider's keyed hash
 * of the card), and every start, success, failure and refusal is recorded in `payment_attempt`.
 */
export const cardLimits = {
  startsPerCartPerHour: 5,
  startsPerIpPerHour: 20,
  failuresPerCartPerHour: 5,
  failuresPerSession: 3,
  failuresPerFingerprintPerDay: 3,
  /** A Checkout Session stays payable this long (Stripe's minimum is 30 minutes); stock stays reserved meanwhile. */
  sessionMinutes: 30,
};

export function hashIp(ip: string): string {
  return createHash('sha256').update(`omamori-payment-ip:${ip}`).digest('hex').slice(0, 32);
}

/** The attempt log: the limits read it, every start, success, decline and refusal is written to it. */
export function createAttempts(ctx: AppContext, deps: { closeSession(row: PaymentRow): Promise<void> }) {
  const { db, log } = ctx;

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

  return {
    /** Before an order is placed: 'limited' when this cart or address started or failed too often (recorded). */
    async admit(c: PaymentClient): Promise<'ok' | 'limited'> {
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

    async started(orderId: number, sessionId: string, c: PaymentClient | undefined) {
      await db.insertInto('payment_attempt').values({ kind: 'started', order_id: orderId, session_id: sessionId, cart_key: c?.cartKey ?? null, ip_hash: c ? hashIp(c.ip) : null }).execute();
      // Issue 12: the card-testing detector ties a later decline (a webhook, without the shopper's address) to this client.
      recordSecurityEvent(ctx, { kind: 'payment.card_started', outcome: 'done', ip: c?.ip ?? null, detail: { session: sessionRef(sessionId), order: orderId } });
    },

    async succeeded(event: ProviderEvent, row: PaymentRow) {
      const first = await db.insertInto('payment_attempt').values({ kind: 'succeeded', order_id: row.order_id, session_id: row.session_id, fingerprint: null, event_id: event.id }).onConflict((oc) => oc.column('event_id').doNothing()).returning('id').executeTakeFirst();
      if (first) recordSecurityEvent(ctx, { kind: 'payment.card_paid', outcome: 'success', detail: { session: sessionRef(row.session_id), order: row.order_id } });
    },

    /** A decline: recorded; too many for this session or card closes the session at the provider. */
    async failed(event: ProviderEvent, row: PaymentRow) {
      const fingerprint = event.failure?.fingerprint ?? null;
      const reason = event.failure?.code ?? 'unknown';
      // The reason is kept for detection only; the shopper always sees one generic message.
      await db.insertInto('payment_attempt').values({ kind: 'failed', order_id: row.order_id, session_id: row.session_id, fingerprint, reason, event_id: event.id }).onConflict((oc) => oc.column('event_id').doNothing()).execute();
      recordSecurityEvent(ctx, { kind: event.failure?.authentication ? 'payment.3ds_failed' : 'payment.card_declined', outcome: 'failure', detail: { reason: reason.slice(0, 60), order: row.order_id, session: sessionRef(row.session_id), card: fingerprint ? createHash('sha256').update(fingerprint).digest('base64url').slice(0, 16) : null } });
      const dayAgo = new Date(Date.now() - 24 * 3600_000);
      const perSession = await countAttempts({ kind: 'failed', since: dayAgo, sessionId: row.session_id });
      const perCard = fingerprint ? await countAttempts({ kind: 'failed', since: dayAgo, fingerprint }) : 0;
      if (perSession >= cardLimits.failuresPerSession || perCard >= cardLimits.failuresPerFingerprintPerDay) {
        const why = perSession >= cardLimits.failuresPerSession ? 'session_failures' : 'card_failures';
        await db.insertInto('payment_attempt').values({ kind: 'limited', order_id: row.order_id, session_id: row.session_id, fingerprint, reason: why }).execute();
        log.warn({ order: row.order_number, perSession, perCard }, 'card payment attempts limited: session expired');
        recordSecurityEvent(ctx, { kind: 'payment.card_testing_limit', outcome: 'refused', detail: { reason: why, order: row.order_id } });
        await deps.closeSession(row);
      }
    },

    async wasLimited(sessionId: string): Promise<boolean> {
      return !!(await db.selectFrom('payment_attempt').select('id').where('session_id', '=', sessionId).where('kind', '=', 'limited').executeTakeFirst());
    },
  };
}
export type Attempts = ReturnType<typeof createAttempts>;
