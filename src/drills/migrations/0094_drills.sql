-- issue 15: breach drills. A drill token lets `omamori drill` use the store's drill API (see what its steps caused,
-- close its alerts as drills); only its SHA-256 is stored. A run keeps its report and its secret nonce: alerts and
-- findings whose location carries the nonce are the drill's own (an attacker cannot guess it to hide a real one).
create table drill_token (
  id bigserial primary key,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  created_by bigint,
  expires_at timestamptz not null,
  revoked_at timestamptz
);

create table drill_run (
  id bigserial primary key,
  token_id bigint not null references drill_token (id),
  nonce text not null unique,
  target text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  stopped integer not null default 0,
  caught integer not null default 0,
  missed integer not null default 0,
  report jsonb
);
create index drill_run_started_idx on drill_run (started_at desc);
