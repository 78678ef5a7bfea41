-- Issue 16: a signed-in customer attaches their earlier guest orders (same e-mail address) by a link mailed to the
-- account's address (T4: owning the mailbox is the proof; typing an address proves nothing). The token is stored
-- hashed; the blind index of the account's address at the time is kept, so a later address change voids the link.
create table if not exists order_claim (
  id serial primary key,
  customer_id int not null references customer (id) on delete cascade,
  token_hash text not null unique,
  email_bidx text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  claimed_count int
);
create index if not exists order_claim_customer on order_claim (customer_id, created_at);
