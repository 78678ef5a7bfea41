-- Security alerts raised by detection (card-number scans, integrity checks, CSP reports, login attacks).
create table alert (
  id bigserial primary key,
  kind text not null,
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  title text not null,
  detail jsonb not null default '{}',
  -- identical open alerts are counted, not repeated
  fingerprint text not null,
  occurrences int not null default 1,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  acknowledged_at timestamptz,
  acknowledged_by int references staff (id) on delete set null
);
create unique index alert_open_fingerprint_idx on alert (fingerprint) where acknowledged_at is null;
create index alert_created_idx on alert (created_at desc);
