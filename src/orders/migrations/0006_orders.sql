create sequence order_number_seq start 1001;

create table orders (
  id serial primary key,
  number text not null unique,
  status text not null check (status in ('awaiting_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
  customer_id int references customer (id) on delete set null,
  -- SHA-256 of the guest's cart token, so only the browser that ordered can see the confirmation
  access_token_hash text,
  idempotency_key text not null unique,
  email text not null,
  locale text not null check (locale in ('ja', 'en')),
  ship_name text not null,
  ship_name_kana text not null default '',
  ship_postal_code text not null,
  ship_prefecture text not null,
  ship_city text not null,
  ship_line1 text not null,
  ship_line2 text not null default '',
  ship_phone text not null,
  shipping_method text not null,
  shipping_fee int not null check (shipping_fee >= 0),
  payment_method text not null,
  payment_fee int not null check (payment_fee >= 0),
  items_total int not null check (items_total >= 0),
  total int not null check (total >= 0),
  -- qualified invoice: tax-inclusive amount and consumption tax per rate, rounded once per rate
  taxable_10 int not null,
  tax_10 int not null,
  taxable_8 int not null,
  tax_8 int not null,
  invoice_number text,
  note text not null default '',
  placed_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index orders_customer_idx on orders (customer_id, placed_at desc);
create index orders_status_idx on orders (status, placed_at desc);
create index orders_placed_idx on orders (placed_at desc);

create table order_line (
  id serial primary key,
  order_id int not null references orders (id) on delete cascade,
  variant_id int references variant (id) on delete set null,
  sku text not null,
  product_name text not null,
  variant_name text not null,
  tax_rate int not null check (tax_rate in (8, 10)),
  unit_price int not null check (unit_price >= 0),
  quantity int not null check (quantity > 0),
  line_total int not null check (line_total >= 0)
);
create index order_line_order_idx on order_line (order_id);

create table order_event (
  id serial primary key,
  order_id int not null references orders (id) on delete cascade,
  from_status text,
  to_status text not null,
  staff_id int references staff (id) on delete set null,
  note text not null default '',
  created_at timestamptz not null default now()
);
create index order_event_order_idx on order_event (order_id, id);
