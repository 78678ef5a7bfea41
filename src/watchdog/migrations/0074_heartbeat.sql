-- Issue 12 (PCI DSS 10.7.2): when each scheduled protection last ran, so that one that stops running is noticed.
create table heartbeat (
  name text primary key,
  every_ms bigint not null,
  last_ok_at timestamptz,
  last_run_at timestamptz not null default now(),
  last_error text,
  instance text not null default ''
);
