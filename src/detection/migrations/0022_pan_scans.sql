-- T2/T5 (PCI DSS 12.10.7): every card-number scan run, as evidence that no card data is stored.
-- Holds counts and masked locations only (first 6 / last 4 digits), never a full number.
create table pan_scan_run (
  id bigserial primary key,
  trigger text not null check (trigger in ('schedule', 'manual', 'cli')),
  status text not null default 'running' check (status in ('running', 'clean', 'found', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  tables_scanned int not null default 0,
  columns_scanned int not null default 0,
  rows_scanned bigint not null default 0,
  files_scanned int not null default 0,
  bytes_scanned bigint not null default 0,
  finds int not null default 0,
  -- masked locations, e.g. "customer_address.line2 [id=3] 424242******4242"
  locations jsonb not null default '[]',
  error text
);
create index pan_scan_run_started_idx on pan_scan_run (started_at desc);
