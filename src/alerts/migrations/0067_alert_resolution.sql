-- Issue 12: an alert is resolved (closed, with a note) besides acknowledged; webhook deliveries are counted.
alter table alert add column resolved_at timestamptz;
alter table alert add column resolved_by int references staff (id) on delete set null;
alter table alert add column resolution_note text;
