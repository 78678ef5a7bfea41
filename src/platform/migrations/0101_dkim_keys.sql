-- Issue 17 (T4): every outgoing mail is DKIM-signed, so a customer's mail provider can tell the shop's mail from a
-- phishing mail in its name. The private key is a vault ciphertext (bound to mail_dkim_key.private_key and the
-- row id): a database dump alone cannot sign mail; the master key stays with the key provider, outside the DB.
-- Rotation: a new key with a new selector starts as 'next' (publish its DNS record first), then becomes 'active';
-- the previous one is 'retired' and its record can be removed once mail in transit has been delivered.
create table mail_dkim_key (
  id serial primary key,
  selector text not null unique check (selector ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  domain text not null,
  private_key text not null check (private_key like 'v1.%'),
  public_key text not null,
  state text not null check (state in ('next', 'active', 'retired')),
  created_at timestamptz not null default now(),
  activated_at timestamptz,
  retired_at timestamptz
);
create unique index mail_dkim_key_one_active on mail_dkim_key (state) where state = 'active';
