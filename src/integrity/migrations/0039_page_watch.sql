-- Payment-page watcher (PCI DSS 11.6.1; T1, T6): a rendered payment page that differs from the approved
-- baseline, and an unexpected CSP violation on a payment page, are integrity findings like a changed file.
alter table integrity_finding drop constraint if exists integrity_finding_kind_check;
alter table integrity_finding add constraint integrity_finding_kind_check
  check (kind in ('modified', 'added', 'removed', 'bad_signature', 'manifest_missing', 'page_changed', 'csp_violation'));

-- The approved baselines of the rendered payment pages; the newest is in force. Scripts (URL and SRI hash),
-- inline script hashes, forms (method, action, field names) and security headers; never page text.
create table page_baseline (
  id bigserial primary key,
  -- SHA-256 of the canonical snapshot: equal digests mean an equal baseline (stable across restarts)
  digest text not null,
  snapshot text not null,
  -- 'start': the verified code's own render at start; 'approved': an owner approved the pages as they are
  source text not null check (source in ('start', 'approved')),
  approved_by int references staff (id) on delete set null,
  instance text not null,
  created_at timestamptz not null default now()
);
create index page_baseline_created_idx on page_baseline (created_at desc, id desc);
