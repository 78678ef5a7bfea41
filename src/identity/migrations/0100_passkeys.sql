-- Issue 17 (T4): WebAuthn passkeys for staff and customers. A passkey is bound to the console's (or the
-- storefront's) own origin, so a phishing page that relays a password and a TOTP code in real time gets nothing.

-- One registered credential. Exactly one of staff_id / customer_id. The public key (COSE) and the
-- credential id (base64url) are not secrets (they only verify); the signature counter spots a cloned authenticator.
create table passkey (
  id serial primary key,
  staff_id int references staff (id) on delete cascade,
  customer_id int references customer (id) on delete cascade,
  credential_id text not null unique,
  public_key text not null,
  sign_count bigint not null default 0,
  transports text not null default '',
  device_type text not null default 'singleDevice',
  backed_up boolean not null default false,
  name text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  check ((staff_id is null) <> (customer_id is null))
);
create index passkey_staff_idx on passkey (staff_id);
create index passkey_customer_idx on passkey (customer_id);

-- A ceremony in progress: the server's random challenge, kept 5 minutes and usable once. Only a
-- SHA-256 of the token that names it (a cookie) is stored.
create table webauthn_challenge (
  token_hash text primary key,
  realm text not null check (realm in ('admin', 'store')),
  purpose text not null check (purpose in ('register', 'authenticate', 'step_up')),
  challenge text not null,
  staff_id int references staff (id) on delete cascade,
  customer_id int references customer (id) on delete cascade,
  expires_at timestamptz not null
);

-- The owner's switch: every staff member must sign in with a passkey; TOTP and recovery codes stay only
-- as the way back when a passkey is lost, and each use of them raises a security event.
create table staff_passkey_policy (
  id int primary key check (id = 1),
  required boolean not null default false,
  changed_by int references staff (id) on delete set null,
  changed_at timestamptz not null default now()
);
insert into staff_passkey_policy (id, required) values (1, false);
