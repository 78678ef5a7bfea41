import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
export type CardPaymentStatus = 'open' | 'processing' | 'failed' | 'authorized' | 'paid' | 'partially_refunded' | 'refunded' | 'expired' | 'voided' | 'needs_attention';
export type AttemptKind = 'started' | 'succeeded' | 'failed' | 'limited';

/** T5: references and display details only; no table here can hold a card number or a security code. */
export interface PaymentTables {
  card_payment: {
    id: Generated<number>;
    order_id: number;
    order_number: string;
    provider: string;
    session_id: string;
    payment_intent_id: string | null;
    status: Generated<CardPaymentStatus>;
    capture_method: 'automatic' | 'manual';
    amount: number;
    amount_refunded: Generated<number>;
    card_brand: string | null;
    card_last4: string | null;
    card_exp_month: number | null;
    card_exp_year: number | null;
    /** how the shopper paid on the hosted page (migration 0103) */
    method: Generated<'card' | 'konbini' | 'paypay' | 'payeasy'>;
    /** コンビニ決済/Pay-easy: payable until then; the stock returns after it */
    pay_deadline: Date | null;
    /** JSON of AsyncInstructions (store, payment number, confirmation number, instructions page) */
    pay_instructions: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  payment_event: { event_id: string; type: string; order_id: number | null; outcome: string; received_at: Timestamp };
  payment_webhook_rejection: { id: Generated<number>; reason: 'signature' | 'timestamp' | 'malformed'; ip_hash: string; created_at: Timestamp };
  payment_attempt: {
    id: Generated<number>;
    kind: AttemptKind;
    order_id: number | null;
    session_id: string | null;
    cart_key: string | null;
    ip_hash: string | null;
    fingerprint: string | null;
    reason: string | null;
    event_id: string | null;
    created_at: Timestamp;
  };
  payment_refund: {
    id: Generated<number>;
    order_id: number;
    card_payment_id: number;
    amount: number;
    idempotency_key: string;
    provider_refund_id: string | null;
    staff_id: number | null;
    created_at: Timestamp;
  };
}
