-- Guarded bulk exports of personal data (issue 5, T4): every export, and every over-cap request that another
-- owner approves or denies. Holds who/what/when and the filter (dates, status), never a personal data value.
create table if not exists data_export (
  id serial primary key,
  kind text not null check (kind in ('customers', 'orders')),
  filter jsonb not null default '{}'::jsonb,
  requested_by int not null references staff (id),
  requested_at timestamptz not null default now(),
  -- rows matching when asked (what an approver approves); the file never holds more
  row_count int not null check (row_count >= 0),
  -- exported: done at once within the caps; pending -> approved -> downloaded, or pending -> denied
  status text not null check (status in ('exported', 'pending', 'approved', 'denied', 'downloaded')),
  -- which caps were exceeded: 'rows', 'daily' or both, comma-separated; empty for a direct export
  over_caps text not null default '',
  decided_by int references staff (id),
  decided_at timestamptz,
  download_until timestamptz,
  exported_at timestamptz,
  exported_rows int,
  check (status <> 'approved' or (decided_by is not null and download_until is not null)),
  check (decided_by is null or decided_by <> requested_by)
);

create index if not exists data_export_requester_time on data_export (requested_by, exported_at);
create index if not exists data_export_pending on data_export (status) where status in ('pending', 'approved');
