-- Issue 19 (speed): each product's 1- and 2-character pieces were three quarters of its row (1.3 of 1.8 kB),
-- so at 100,000 products the rows that listings, product pages and search read no longer stayed in
-- memory. They move to a table of their own, read only for queries with a 1- or 2-character word.
-- (Rows written before this keep their old width until rewritten: VACUUM FULL product reclaims it.)
create table product_search_gram (
  product_id integer primary key references product (id) on delete cascade,
  grams text[] not null
);
insert into product_search_gram (product_id, grams) select id, search_grams from product where search_grams is not null;
drop index product_search_grams;
alter table product drop column search_grams;
create index product_search_gram_grams on product_search_gram using gin (grams);
