-- Issue 16: coupons. A use is claimed in the order's own transaction by a conditional update of used_count
-- (the coupon row lock orders concurrent claims), so the limits hold under concurrent orders.
create table coupon (
  id serial primary key,
  code text not null unique check (code ~ '^[A-Z0-9_-]{3,32}$'),
  kind text not null check (kind in ('percent', 'amount')),
  value integer not null check (value > 0 and (kind <> 'percent' or value <= 100)),
  min_order integer not null default 0 check (min_order >= 0),
  starts_at timestamptz,
  ends_at timestamptz,
  usage_limit integer check (usage_limit is null or usage_limit > 0),
  per_customer_limit integer check (per_customer_limit is null or per_customer_limit > 0),
  used_count integer not null default 0 check (used_count >= 0),
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create table coupon_use (
  coupon_id integer not null references coupon (id) on delete cascade,
  order_id integer not null unique references orders (id) on delete cascade,
  -- 'c:<customer id>' or 'e:<sha-256 of the lower-cased e-mail>' for guests
  customer_key text not null,
  created_at timestamptz not null default now()
);
create index coupon_use_customer_idx on coupon_use (coupon_id, customer_key);
-- The discount per tax rate (値引きは税率ごとに区分): taxable amounts are after the discount.
alter table orders add column discount_10 integer not null default 0 check (discount_10 >= 0);
alter table orders add column discount_8 integer not null default 0 check (discount_8 >= 0);
alter table orders add column coupon_code text;
