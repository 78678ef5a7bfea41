-- Issue 13: the incident console. A case (incident), its timeline (every step: who, when), tasks, the evidence frozen
-- at declaration (each item hashed, chain of custody), scoping runs and their affected people, notification
-- campaigns with one row per recipient, public notices with history. No personal data value is stored here in
-- clear: affected people are ids; addresses are read through the owning domains (encrypted) when a mail is queued.
create table if not exists incident (
  id serial primary key,
  title text not null check (length(title) between 1 and 200),
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  kind text not null check (kind in ('card_skimming', 'data_leak', 'account_takeover', 'defacement', 'other')),
  status text not null default 'open' check (status in ('open', 'contained', 'closed')),
  known_at timestamptz not null,
  declared_at timestamptz not null default now(),
  declared_by int not null references staff (id),
  lead_staff_id int references staff (id),
  alert_id int references alert (id),
  window_from timestamptz not null,
  window_to timestamptz not null,
  evidence_manifest_sha256 text,
  malicious boolean not null default false,
  keys_exposed boolean not null default false,
  closed_at timestamptz
);

create table if not exists incident_event (
  id bigserial primary key,
  incident_id int not null references incident (id),
  at timestamptz not null default now(),
  staff_id int references staff (id),
  kind text not null,
  detail jsonb not null default '{}'::jsonb
);
create index if not exists incident_event_case on incident_event (incident_id, id);

create table if not exists incident_task (
  id serial primary key,
  incident_id int not null references incident (id),
  position int not null,
  title text not null,
  done_at timestamptz,
  done_by int references staff (id)
);
create index if not exists incident_task_case on incident_task (incident_id, position);

create table if not exists incident_evidence (
  id bigserial primary key,
  incident_id int not null references incident (id),
  source text not null,
  ref text not null,
  content jsonb not null,
  sha256 text not null,
  captured_at timestamptz not null default now()
);
create index if not exists incident_evidence_case on incident_evidence (incident_id, id);

create table if not exists incident_scope (
  id serial primary key,
  incident_id int not null references incident (id),
  created_at timestamptz not null default now(),
  created_by int references staff (id),
  criteria jsonb not null,
  counts jsonb not null default '{}'::jsonb,
  total int not null default 0
);

-- One row per affected person: a registered customer (subject 'c:ID') or a guest order ('o:ID').
create table if not exists incident_affected (
  scope_id int not null references incident_scope (id),
  subject text not null,
  customer_id int,
  order_id int,
  card boolean not null default false,
  kinds text not null default '',
  primary key (scope_id, subject)
);

create table if not exists incident_campaign (
  id serial primary key,
  incident_id int not null references incident (id),
  scope_id int not null references incident_scope (id),
  status text not null default 'sending' check (status in ('sending', 'done')),
  created_at timestamptz not null default now(),
  created_by int references staff (id),
  cursor text not null default '',
  finished_at timestamptz
);

-- Idempotent per recipient: a resumed or repeated batch cannot mail anyone twice.
create table if not exists incident_recipient (
  campaign_id int not null references incident_campaign (id),
  subject text not null,
  channel text not null check (channel in ('email', 'letter')),
  status text not null check (status in ('queued', 'sent', 'bounced', 'letter')),
  outbox_id int,
  updated_at timestamptz not null default now(),
  primary key (campaign_id, subject)
);
create index if not exists incident_recipient_outbox on incident_recipient (outbox_id) where outbox_id is not null;

-- The public notice (お詫びとお知らせ): every saved version is kept; the newest published one is shown.
create table if not exists incident_notice (
  id serial primary key,
  incident_id int not null references incident (id),
  version int not null,
  body jsonb not null,
  saved_at timestamptz not null default now(),
  saved_by int references staff (id),
  published_at timestamptz,
  unique (incident_id, version)
);
