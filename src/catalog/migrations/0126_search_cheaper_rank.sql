-- Search ranking at 100,000 products (issue 19, measured with EXPLAIN ANALYZE on bench:catalog's
-- catalog): similarity(search_text, query) on every candidate builds and sorts the trigram set of
-- the whole 115-character text, 70-110 µs a row: 3.3 ms of a 4.8 ms search with 46 candidates, and
-- about 100 ms for a broad query's 1,001. The number of distinct trigrams of a product's text is
-- now stored (search_trgm_n, written by the catalog with the text: search-normalize.ts trigramCount),
-- and ranking looks the query's few trigrams up in the text with strpos (product-list.ts): the
-- same trigram similarity for a few µs a row.
--
-- Not filled here: in SQL that takes minutes at 100,000 products. The start step fills it in
-- batches (search-index.ts), and until then ranking uses similarity() for the rows without it.
alter table product add column search_trgm_n integer;
create index product_search_trgm_missing on product (id) where search_trgm_n is null and search_text is not null;
