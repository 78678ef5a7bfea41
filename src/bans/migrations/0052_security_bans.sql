-- Issue 12: bans decided by detectors or staff (without REDIS_URL they are enforced from here), and the allow-list.
create table security_ban (
  id bigserial primary key,
  scope text not null check (scope in ('ip', 'network')),
  value text not null,
  reason text not null,
  -- shown on the 403 page so a blocked shopper can quote it to the shop
  ref text not null,
  created_at timestamptz not null default now(),
  until timestamptz not null,
  created_by text not null,
  offences int not null default 1,
  lifted_at timestamptz
);
create index security_ban_active_idx on security_ban (until) where lifted_at is null;
create index security_ban_value_idx on security_ban (scope, value);

create table security_allow (
  id bigserial primary key,
  cidr text not null unique,
  note text not null default '',
  created_at timestamptz not null default now()
);
