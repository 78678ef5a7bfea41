-- Per-store secrets made at first use, e.g. the key under which the login throttle hashes account
-- names and addresses before they go to Redis (so Redis holds neither in clear, and two stores
-- sharing one Redis never share counters).
create table identity_secret (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);

-- Password reset links: only a SHA-256 of the token is stored; single use, 30 minutes.
create table password_reset (
  token_hash text primary key,
  customer_id int not null references customer (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_reset_customer_idx on password_reset (customer_id);

-- Devices a customer has signed in from (hash of a device cookie, or of IP + User-Agent for the API),
-- so a sign-in from anywhere else can be reported to them by e-mail.
create table customer_device (
  customer_id int not null references customer (id) on delete cascade,
  device_hash text not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  primary key (customer_id, device_hash)
);
