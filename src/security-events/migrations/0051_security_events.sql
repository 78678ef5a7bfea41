-- Issue 12: one stream of security events (sign-ins, refusals, findings, attack-shaped requests, bans).
-- ip is kept for bans and investigation (masked in views without unmasked access); subject is a keyed
-- hash of the account name typed, never the name; detail holds codes and counts, never personal data.
create table security_event (
  id bigserial primary key,
  at timestamptz not null default now(),
  kind text not null,
  severity text not null check (severity in ('info', 'low', 'medium', 'high', 'critical')),
  outcome text not null,
  ip text,
  network text,
  actor_kind text check (actor_kind in ('customer', 'staff')),
  actor_id bigint,
  subject text,
  request_id text,
  detail jsonb not null default '{}'
);
create index security_event_at_idx on security_event (at);
create index security_event_kind_at_idx on security_event (kind, at);
create index security_event_network_at_idx on security_event (network, at);
create index security_event_actor_at_idx on security_event (actor_kind, actor_id, at);
