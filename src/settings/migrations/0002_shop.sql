-- Shop settings (name, seller details for the 特定商取引法 page, invoice number, bank account, fees).
create table shop_setting (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
