-- T2: a card number typed where it does not belong was refused. Never the number, never its last 4:
-- only where (route pattern, field) and a keyed HMAC-SHA256 of the digits, so repeats can be counted.
create table guard_event (
  id bigserial primary key,
  created_at timestamptz not null default now(),
  method text not null,
  route text not null,
  source text not null check (source in ('body', 'query', 'params', 'multipart')),
  field text not null,
  card_hmac text not null,
  ip_hmac text not null
);
create index guard_event_created_idx on guard_event (created_at desc);
