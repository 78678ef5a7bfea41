create table customer (
  id serial primary key,
  email text not null,
  password_hash text not null,
  name text not null,
  name_kana text not null default '',
  phone text not null default '',
  locale text not null default 'ja' check (locale in ('ja', 'en')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_sign_in_at timestamptz
);
create unique index customer_email_idx on customer (email);

create table customer_address (
  id serial primary key,
  customer_id int not null references customer (id) on delete cascade,
  name text not null,
  name_kana text not null default '',
  postal_code text not null,
  prefecture text not null,
  city text not null,
  line1 text not null,
  line2 text not null default '',
  phone text not null,
  is_default boolean not null default false,
  created_at timestamptz not null default now()
);
create index customer_address_customer_idx on customer_address (customer_id);

create table staff (
  id serial primary key,
  email text not null unique,
  name text not null,
  password_hash text not null,
  role text not null check (role in ('owner', 'administrator', 'order_operator', 'customer_support', 'content_editor')),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  last_sign_in_at timestamptz
);

-- Server-side sessions. Only a SHA-256 of the cookie value is stored, so a database dump holds no usable session.
create table session (
  id_hash text primary key,
  realm text not null check (realm in ('store', 'admin')),
  customer_id int references customer (id) on delete cascade,
  staff_id int references staff (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip text,
  user_agent text,
  check ((realm = 'store' and staff_id is null) or (realm = 'admin' and customer_id is null and staff_id is not null))
);
create index session_customer_idx on session (customer_id);
create index session_staff_idx on session (staff_id);

-- One-time token printed at first start to create the first owner account; no default password exists.
create table setup_token (
  token_hash text primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
