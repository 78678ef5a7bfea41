-- Issue 5 (principle 2; T1, T3, T4): customer and customer_address personal columns now hold vault ciphertexts
-- (`v1.<key>.<iv>.<ct>`, see src/vault). Equality and prefix lookups use blind indexes (HMAC under the vault's
-- index key, never a plain value). Existing plain rows are encrypted and indexed at start
-- (src/identity/encrypt-existing.ts), so the new columns stay nullable until then.

alter table customer add column email_bidx text;
alter table customer add column phone_bidx text;
-- Name/kana prefix tokens (family name's first 1 and 2 characters), space-separated blind indexes.
alter table customer add column search_tokens text not null default '';

-- A unique index on ciphertexts would enforce nothing (every encryption differs): uniqueness moves to the index.
drop index if exists customer_email_idx;
create unique index customer_email_bidx_idx on customer (email_bidx);
create index customer_phone_bidx_idx on customer (phone_bidx);
create index customer_search_tokens_idx on customer using gin (string_to_array(search_tokens, ' '));

alter table customer_address add column phone_bidx text;
create index customer_address_phone_bidx_idx on customer_address (phone_bidx);
