-- Field encryption of orders (issue 5, principle 2; T1, T4): the personal columns (email, ship_name, ship_name_kana,
-- ship_postal_code, ship_city, ship_line1, ship_line2, ship_phone, note) hold vault ciphertexts (`v1.<key>.<iv>.<ct>`),
-- written by the app; rows that still hold plain text are encrypted at start (src/orders/encrypt-existing.ts).
-- Admin search needs equality and name prefixes, so keyed blind indexes sit beside them (never a value, and
-- useless without the index key, which is not in the database).
alter table orders add column email_bidx text;
alter table orders add column phone_bidx text;
-- HMAC tokens of the first 1 and 2 characters of the family name and of its kana (src/vault/blind-index.ts)
alter table orders add column name_tokens text[] not null default '{}';
create index orders_email_bidx_idx on orders (email_bidx);
create index orders_phone_bidx_idx on orders (phone_bidx);
create index orders_name_tokens_idx on orders using gin (name_tokens);
