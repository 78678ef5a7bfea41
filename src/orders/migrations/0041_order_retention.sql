-- Retention (issue 5, T3): when an order's personal data was erased by the retention job. The order itself (number,
-- dates, amounts, tax per rate, lines, prefecture) is kept for the 7 years Japanese accounting law asks for
-- (法人税法: 帳簿書類の保存); its name, address, phone, e-mail and note become encryptions of the empty string.
alter table orders add column if not exists personal_data_erased_at timestamptz;
create index if not exists orders_retention_idx on orders (placed_at) where personal_data_erased_at is null;
