-- Issue 4 (customers): optional two-step verification (TOTP with recovery codes), and TOTP
-- secrets encrypted with the vault (principle 2; T1: a database dump must not hand out second factors).

-- A customer's authenticator: the secret is a vault ciphertext (`v1.…`, bound to
-- customer_totp.secret and the customer id); pending while enabled_at is null. last_step: the
-- last accepted time step, so a code is never accepted twice (replay).
create table customer_totp (
  customer_id int primary key references customer (id) on delete cascade,
  secret text not null check (secret like 'v1.%'),
  enabled_at timestamptz,
  last_step integer,
  created_at timestamptz not null default now()
);

-- One-time recovery codes: only a SHA-256 of each is stored (they carry 50 random bits).
create table customer_recovery_code (
  id serial primary key,
  customer_id int not null references customer (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index customer_recovery_code_customer_idx on customer_recovery_code (customer_id);

-- A sign-in that passed the password and waits for the second factor: only a SHA-256 of the
-- challenge token (cookie, or the API's `challenge`) is stored; 5 minutes, a few tries, then the
-- password must be entered again. No session exists until the code is accepted.
create table customer_sign_in_challenge (
  token_hash text primary key,
  customer_id int not null references customer (id) on delete cascade,
  realm text not null check (realm in ('store', 'api')),
  failures int not null default 0,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index customer_sign_in_challenge_customer_idx on customer_sign_in_challenge (customer_id);

-- Staff secrets move to ciphertext: the start-up step (identity `encryptLegacyTotpSecrets`)
-- encrypts any plain base32 secret left from 0024; from now on the database refuses a new plain one.
-- NOT VALID: existing rows are not checked here (the start-up step rewrites them), new writes are.
alter table staff add constraint staff_totp_secret_encrypted check (totp_secret is null or totp_secret like 'v1.%') not valid;
