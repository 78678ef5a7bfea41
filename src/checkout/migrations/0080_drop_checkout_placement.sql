-- Issue 11: one idempotency record. `orders.idempotency_key` (unique, written in the order's own insert) already
-- holds every key that placed an order; checkout_placement held the same pair a second time.
drop table if exists checkout_placement;
