-- File integrity (PCI DSS 11.5.2; T1, T3): a change to the deployed tree found by the running store.
create table integrity_finding (
  id bigserial primary key,
  kind text not null check (kind in ('modified', 'added', 'removed', 'bad_signature', 'manifest_missing')),
  -- relative to the verified root; never a file's content
  path text not null,
  expected_sha256 text,
  observed_sha256 text,
  -- which app instance saw it (host name and pid)
  instance text not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  acknowledged_at timestamptz,
  acknowledged_by int references staff (id) on delete set null,
  acknowledgement_note text
);
-- one open finding per file and kind, across instances
create unique index integrity_finding_open_idx on integrity_finding (kind, path) where acknowledged_at is null;
create index integrity_finding_seen_idx on integrity_finding (last_seen_at desc);

-- CSP violation reports (T6), de-duplicated. Only paths and origins: never a URL's query or fragment.
create table csp_report (
  id bigserial primary key,
  document_path text not null,
  directive text not null,
  blocked text not null,
  source_file text,
  disposition text not null default 'enforce',
  payment_page boolean not null default false,
  count int not null default 1,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  unique (document_path, directive, blocked)
);
create index csp_report_seen_idx on csp_report (last_seen_at desc);
