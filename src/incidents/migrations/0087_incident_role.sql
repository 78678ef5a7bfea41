-- Issue 13: the `incident` role (an outside investigator: reads the case, writes notes) and access that expires.
alter table staff drop constraint if exists staff_role_check;
alter table staff add constraint staff_role_check check (role in ('owner', 'administrator', 'order_operator', 'customer_support', 'content_editor', 'incident'));
alter table staff add column if not exists access_until timestamptz;
-- The guarded export also records incident files (evidence, letters, PPC report).
alter table data_export drop constraint if exists data_export_kind_check;
alter table data_export add constraint data_export_kind_check check (kind in ('customers', 'orders', 'incident_evidence', 'incident_letters', 'incident_report'));
