-- The 1- and 2-character pieces (search_grams, about 1.3 kB a product) made each product row 1.8 kB,
-- so at 100,000 products the table (335 MB) did not stay in shared buffers and a broad search read
-- 750 heap pages for its 1,001 candidates (issue 19, EXPLAIN ANALYZE on bench:catalog's catalog).
-- Searches only test the array through its GIN index (@> needs no recheck), so it need not sit in
-- the row: stored out of line (TOAST, uncompressed), rows of more than 1 kB move it out and keep
-- ~0.5 kB. A separate gram table was tried before and backed out (joining it back made 1-2
-- character searches 30-50 times slower); this keeps the same index and the same plans.
-- Applies to rows written from now on (every product the catalog re-indexes); VACUUM FULL product
-- rewrites the older ones at once.
alter table product alter column search_grams set storage external;
alter table product set (toast_tuple_target = 1024);
