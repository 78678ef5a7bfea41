-- Issue 12: an alert is resolved (its cause removed, with a note) besides acknowledged.
alter table alert add column resolved_at timestamptz;
alter table alert add column resolved_by int references staff (id) on delete set null;
alter table alert add column resolution_note text;
