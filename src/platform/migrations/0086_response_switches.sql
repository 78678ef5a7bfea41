-- Issue 13: store-wide response switches (stop card payments, close the store), read by every instance from
-- memory and refreshed on NOTIFY response_switch_changed (and periodically), so all instances follow within seconds.
create table if not exists response_switch (
  name text primary key,
  engaged boolean not null default false,
  reason text not null default '',
  changed_by int,
  changed_at timestamptz not null default now()
);
