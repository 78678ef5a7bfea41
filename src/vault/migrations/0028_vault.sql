-- Field encryption (principle 2). This database holds only wrapped keys: each data key (DEK) is encrypted by a
-- master key (KEK) that lives outside the database (key file, environment, or a KMS). A dump alone decrypts nothing.

-- Master key versions the database has seen, with a check value (a constant wrapped by the KEK) so that a wrong
-- master key is reported at start instead of failing later on customer data.
create table vault_kek (
  id text primary key,                -- provider's id: 'mk-<fingerprint>' (file/env) or 'vault:<key>:v<n>'
  provider text not null,
  check_value text not null,
  state text not null default 'active' check (state in ('active', 'retired')),
  created_at timestamptz not null default now(),
  retired_at timestamptz
);

-- Data keys: one per scope (a table, or '_index' for the blind-index root key) and version.
-- active: encrypts new values (one per scope); decrypt_only: an older version during a rotation;
-- retired: rotation finished, the wrapped key is erased.
create table vault_key (
  id serial primary key,              -- the key id written in every ciphertext: v1.<id>.<iv>.<ct>
  scope text not null,
  version int not null,
  purpose text not null check (purpose in ('data', 'index')),
  state text not null check (state in ('active', 'decrypt_only', 'retired')),
  kek_id text not null references vault_kek (id),
  wrapped text,                       -- null once retired
  created_at timestamptz not null default now(),
  retired_at timestamptz,
  unique (scope, version),
  check ((state = 'retired') = (wrapped is null))
);
create unique index vault_key_active_idx on vault_key (scope) where state = 'active';

-- Rotation progress, so an interrupted rotation resumes where it stopped.
create table vault_rotation (
  id serial primary key,
  kind text not null check (kind in ('kek', 'dek')),
  scope text not null,                -- the table for 'dek', '*' for 'kek'
  target text not null,               -- new key id (dek) or new kek id
  status text not null default 'running' check (status in ('running', 'done')),
  cursor text,                        -- last primary key value done (dek), as text
  rows_done int not null default 0,
  batches_done int not null default 0,
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index vault_rotation_running_idx on vault_rotation (kind, scope) where status = 'running';
