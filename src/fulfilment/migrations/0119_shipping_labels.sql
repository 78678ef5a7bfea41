-- Issue 16: shipping-label CSVs go out through the guarded export (T4): one data_export row each.
alter table data_export drop constraint if exists data_export_kind_check;
alter table data_export add constraint data_export_kind_check check (kind in ('customers', 'orders', 'incident_evidence', 'incident_letters', 'incident_report', 'shipping_labels'));

-- The shop's contract numbers the carriers' import formats need (not personal data), remembered from the label form.
create table if not exists shipping_label_setting (
  id int primary key default 1 check (id = 1),
  -- ヤマト B2クラウド: ご請求先顧客コード (10-12 digits) and 運賃管理番号 (2 digits)
  yamato_customer_code text not null default '' check (yamato_customer_code ~ '^(\d{10,12})?$'),
  yamato_freight_number text not null default '' check (yamato_freight_number ~ '^(\d{2})?$'),
  -- 佐川 e飛伝: お客様コード (12 digits)
  sagawa_customer_code text not null default '' check (sagawa_customer_code ~ '^(\d{12})?$'),
  updated_at timestamptz not null default now()
);

-- A tracking-number CSV checked in a dry run, applied later by the same staff member. Holds order numbers, carriers
-- and tracking numbers only (no personal data); the rows are checked again when applied.
create table if not exists tracking_import (
  id serial primary key,
  staff_id int not null references staff (id),
  created_at timestamptz not null default now(),
  file_name text not null default '',
  rows jsonb not null,
  applied_at timestamptz,
  applied_count int
);
create index if not exists tracking_import_staff on tracking_import (staff_id, created_at);
