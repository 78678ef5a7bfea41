-- Search over normalised text (src/catalog/search-normalize.ts) on n-gram indexes that PostgreSQL and
-- PGlite both have: trigrams (pg_trgm) for 3+ characters, GIN over each product's 1- and 2-character
-- pieces (names and descriptions) for 豆 or 深煎. search_text is null while stale: triggers mark a product on every change that
-- touches its names, variants or category, and the catalog recomputes it in the same transaction
-- (and at start for existing rows).
create extension if not exists pg_trgm;

alter table product add column search_text text;
alter table product add column search_desc text;
alter table product add column search_grams text[];
-- Published but kept out of listings and search (the demo's テスト用 products, reachable by URL for tests).
alter table product add column listed boolean not null default true;
update product set listed = false where slug in ('test-beans-8', 'test-mug-10') and name_ja like 'テスト用%';

-- One index over names and descriptions together, so every word of a query narrows the same index scan.
create index product_search_trgm on product using gin ((search_text || ' ' || search_desc) gin_trgm_ops);
create index product_search_grams on product using gin (search_grams);
create index product_search_stale on product (id) where search_text is null;
-- Keyset pages of the whole catalog and of one category.
create index product_list_all_idx on product (position, id) where published and listed;
create index product_list_category_idx on product (category_id, position, id) where published and listed;

create function product_search_stale() returns trigger language plpgsql as $$
begin
  new.search_text := null;
  return new;
end $$;
create trigger product_search_stale before update of name_ja, name_en, description_ja, description_en, category_id on product
  for each row execute function product_search_stale();

create function variant_search_stale() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then update product set search_text = null where id = old.product_id and search_text is not null; end if;
  if tg_op <> 'DELETE' then update product set search_text = null where id = new.product_id and search_text is not null; end if;
  return null;
end $$;
create trigger variant_search_stale after insert or delete or update of sku, name_ja, name_en, jan_code, product_id on variant
  for each row execute function variant_search_stale();

create function category_search_stale() returns trigger language plpgsql as $$
begin
  update product set search_text = null where category_id = new.id and search_text is not null;
  return null;
end $$;
create trigger category_search_stale after update of name_ja, name_en on category
  for each row execute function category_search_stale();
