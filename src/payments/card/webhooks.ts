import type { AppContext } from '../../platform/context.ts';
import type { PaymentProvider, ProviderEvent } from '../provider.ts';
import { hashIp, type Attempts } from './attempts.ts';
import { rowCols, type PaymentRow, type Reconciliation } from './reconciliation.ts';

/**
 * Provider webhooks: verified over the exact bytes (T2: forged, replayed or stale ones are refused and
 * recorded, never applied), applied once per event id, and applied by reading the payment back from the
 * provider, so a duplicate or out-of-order delivery changes nothing.
 */
export function createWebhooks(ctx: AppContext, deps: { attempts: Attempts; reconciliation: Reconciliation }) {
  const { db, log } = ctx;

  async function rowForEvent(provider: PaymentProvider, event: ProviderEvent): Promise<PaymentRow | undefined> {
    const q = db.selectFrom('card_payment').select(rowCols).orderBy('id', 'desc');
    const own = (r: PaymentRow | undefined) => (r && (r.provider === 'komoju') === (provider.id === 'komoju') ? r : undefined);
    if (event.sessionId) {
      const found = own((await q.where('session_id', '=', event.sessionId).executeTakeFirst()) as PaymentRow | undefined);
      if (found || !event.paymentRef) return found;
    }
    if (event.paymentRef) {
      const found = own((await q.where('payment_intent_id', '=', event.paymentRef).executeTakeFirst()) as PaymentRow | undefined);
      if (found) return found;
    }
    return event.orderNumber ? own((await q.where('order_number', '=', event.orderNumber).executeTakeFirst()) as PaymentRow | undefined) : undefined;
  }

  return {
    async handle(provider: PaymentProvider, raw: Buffer, signature: string | undefined, ip: string): Promise<{ status: 200 | 400; outcome: string }> {
      const verdict = provider.verifyWebhook(raw, signature);
      if (!verdict.ok) {
        // T2: forged or replayed webhooks are refused and recorded, never applied.
        await db.insertInto('payment_webhook_rejection').values({ reason: verdict.reason, ip_hash: hashIp(ip) }).execute();
        log.warn({ reason: verdict.reason, provider: provider.id }, 'payment webhook refused');
        return { status: 400, outcome: verdict.reason };
      }
      const event = verdict.event;
      const seen = await db.selectFrom('payment_event').select('event_id').where('event_id', '=', event.id).executeTakeFirst();
      if (seen) return { status: 200, outcome: 'duplicate' };
      let outcome = 'ignored';
      let orderId: number | null = null;
      if (event.kind !== 'ignored') {
        const row = await rowForEvent(provider, event);
        if (row) {
          orderId = row.order_id;
          if (event.kind === 'payment_failed') await deps.attempts.failed(event, row);
          if (event.kind === 'payment_succeeded') await deps.attempts.succeeded(event, row);
          outcome = (await deps.reconciliation.reconcile(row)).status;
        } else outcome = 'unknown_payment';
      }
      await db.insertInto('payment_event').values({ event_id: event.id, type: event.type, order_id: orderId, outcome }).onConflict((oc) => oc.column('event_id').doNothing()).execute();
      return { status: 200, outcome };
    },
  };
}
