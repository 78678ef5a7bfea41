-- Which order an idempotency key placed, written in the order's own transaction, so that a repeated
-- "place order" (double click, retried API call) finds the same order even after the cart was emptied.
create table checkout_placement (
  idempotency_key text primary key,
  order_id int not null references orders (id) on delete cascade,
  created_at timestamptz not null default now()
);
create index checkout_placement_created_idx on checkout_placement (created_at);
