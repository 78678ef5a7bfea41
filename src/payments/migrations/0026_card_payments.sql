-- Card payments through a provider (Stripe or the sandbox gateway). T5: omamori never receives a card
-- number or a security code; it keeps only the provider's references and what a receipt shows
-- (brand, last 4, expiry month/year). payments/card/column-guard.test.ts fails the build if any
-- migration adds a column that could hold a card number or a security code.
create table card_payment (
  id serial primary key,
  order_id integer not null references orders(id),
  order_number text not null,
  provider text not null,
  session_id text not null unique,
  payment_intent_id text,
  status text not null default 'open'
    check (status in ('open', 'processing', 'failed', 'authorized', 'paid', 'partially_refunded', 'refunded', 'expired', 'voided', 'needs_attention')),
  capture_method text not null check (capture_method in ('automatic', 'manual')),
  amount integer not null check (amount > 0),
  amount_refunded integer not null default 0,
  card_brand text,
  card_last4 text check (card_last4 is null or card_last4 ~ '^[0-9]{4}$'),
  card_exp_month integer,
  card_exp_year integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index card_payment_order_idx on card_payment (order_id, id desc);
create index card_payment_intent_idx on card_payment (payment_intent_id);

-- Webhook events applied (or seen), by the provider's event id: a redelivery changes nothing.
create table payment_event (
  event_id text primary key,
  type text not null,
  order_id integer,
  outcome text not null,
  received_at timestamptz not null default now()
);

-- Webhook requests refused (bad signature, stale timestamp, malformed): recorded for detection.
create table payment_webhook_rejection (
  id bigserial primary key,
  reason text not null check (reason in ('signature', 'timestamp', 'malformed')),
  ip_hash text not null,
  created_at timestamptz not null default now()
);
create index payment_webhook_rejection_created_idx on payment_webhook_rejection (created_at desc);

-- Card-testing (クレジットマスター) defence: every payment attempt and refusal, for limits and detection.
-- fingerprint is the provider's keyed hash of the card, never the number.
create table payment_attempt (
  id bigserial primary key,
  kind text not null check (kind in ('started', 'succeeded', 'failed', 'limited')),
  order_id integer,
  session_id text,
  cart_key text,
  ip_hash text,
  fingerprint text,
  reason text,
  event_id text unique,
  created_at timestamptz not null default now()
);
create index payment_attempt_cart_idx on payment_attempt (cart_key, created_at desc);
create index payment_attempt_ip_idx on payment_attempt (ip_hash, created_at desc);
create index payment_attempt_fingerprint_idx on payment_attempt (fingerprint, created_at desc);
create index payment_attempt_session_idx on payment_attempt (session_id);

-- Refunds requested from the order page, one row per idempotency key.
create table payment_refund (
  id bigserial primary key,
  order_id integer not null references orders(id),
  card_payment_id integer not null references card_payment(id),
  amount integer not null check (amount > 0),
  idempotency_key text not null unique,
  provider_refund_id text,
  staff_id integer,
  created_at timestamptz not null default now()
);
