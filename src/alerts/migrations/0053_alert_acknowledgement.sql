-- Issue 12: alerts are acknowledged with a note, and an open alert is mailed again after a window
-- (per severity, up to a cap) instead of once in the life of the store.
alter table alert add column acknowledgement_note text;
alter table alert add column last_notified_at timestamptz not null default now();
alter table alert add column notifications int not null default 1;
update alert set last_notified_at = created_at;
create index alert_open_idx on alert (severity, last_seen_at desc) where acknowledged_at is null;
