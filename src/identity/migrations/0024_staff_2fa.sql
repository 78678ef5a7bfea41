-- Issue 4 (staff side): mandatory TOTP for every staff account, step-up re-authentication,
-- emergency actions (T2, T4).

-- TOTP: the base32 secret (pending while totp_enabled_at is null), and the last accepted
-- time step, so a code is never accepted twice (replay).
-- FIELD-ENCRYPTION: totp_secret is stored in clear until the field-encryption issue lands;
-- it must then hold ciphertext (keys outside the database). It never appears in logs or in
-- any response after enrolment.
alter table staff add column totp_secret text;
alter table staff add column totp_enabled_at timestamptz;
alter table staff add column totp_last_step integer;
-- Set by an emergency action: the next sign-in must choose a new password.
alter table staff add column password_reset_required boolean not null default false;
alter table customer add column password_reset_required boolean not null default false;

-- One-time recovery codes: only a SHA-256 of each is stored (they carry 50 random bits).
create table staff_recovery_code (
  id serial primary key,
  staff_id int not null references staff (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index staff_recovery_code_staff_idx on staff_recovery_code (staff_id);

-- Admin sessions start "partial" after the password (second_factor_at null) and become full
-- after a TOTP or recovery code. step_up_at: the last password + TOTP re-authentication.
alter table session add column second_factor_at timestamptz;
alter table session add column step_up_at timestamptz;

-- Owner-only emergency actions (T2: one action revokes every session / forces password resets).
create table emergency_action (
  id serial primary key,
  staff_id int references staff (id) on delete set null,
  staff_email text not null,
  action text not null check (action in ('revoke_sessions', 'reset_customer_passwords', 'reset_staff_passwords')),
  sessions_revoked int not null default 0,
  customers_flagged int not null default 0,
  staff_flagged int not null default 0,
  created_at timestamptz not null default now()
);

-- Security-relevant staff administration: 2FA resets, unlocks, role changes (T4).
create table staff_security_event (
  id serial primary key,
  actor_staff_id int references staff (id) on delete set null,
  target_staff_id int references staff (id) on delete set null,
  action text not null,
  detail text not null default '',
  created_at timestamptz not null default now()
);
