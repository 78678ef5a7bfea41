-- Issue 13, second part: deadline reminders sent (one row per deadline and stage: never mailed twice), the PPC report
-- fields as edited by the owner (with when it was submitted: reminders stop), and the contact list of the incident
-- (police, card companies, the payment provider), each contact a timestamped step.
create table if not exists incident_reminder (
  incident_id int not null references incident (id),
  deadline text not null check (deadline in ('preliminary', 'final')),
  stage text not null check (stage in ('soon', 'due')),
  sent_at timestamptz not null default now(),
  primary key (incident_id, deadline, stage)
);

create table if not exists incident_report (
  incident_id int not null references incident (id),
  stage text not null check (stage in ('preliminary', 'final')),
  fields jsonb not null default '{}'::jsonb,
  saved_at timestamptz not null default now(),
  saved_by int references staff (id),
  submitted_at timestamptz,
  primary key (incident_id, stage)
);

create table if not exists incident_contact (
  id serial primary key,
  incident_id int not null references incident (id),
  kind text not null check (kind in ('police', 'card_company', 'payment_provider', 'ppc', 'other')),
  organisation text not null check (length(organisation) between 1 and 200),
  person text not null default '',
  phone text not null default '',
  reference text not null default '',
  note text not null default '',
  contacted_at timestamptz,
  created_at timestamptz not null default now(),
  created_by int references staff (id)
);
create index if not exists incident_contact_case on incident_contact (incident_id, id);
