-- A guest cart is found by the SHA-256 of its token (cookie or API header); a customer's cart by customer_id.
create table cart (
  id serial primary key,
  token_hash text unique,
  customer_id int unique references customer (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (token_hash is not null or customer_id is not null)
);

create table cart_item (
  cart_id int not null references cart (id) on delete cascade,
  variant_id int not null references variant (id) on delete cascade,
  quantity int not null check (quantity between 1 and 99),
  added_at timestamptz not null default now(),
  primary key (cart_id, variant_id)
);
