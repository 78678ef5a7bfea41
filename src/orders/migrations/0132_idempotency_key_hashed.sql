-- Issue 10 (T2/T5): orders keep a SHA-256 of the client's Idempotency-Key, not the key (src/orders/idempotency-key.ts):
-- a random key can hold a card-number-shaped run. Same encoding as the code: 'h:' + base64url without padding.
update orders
set idempotency_key = 'h:' || translate(encode(sha256(convert_to(idempotency_key, 'UTF8')), 'base64'), '+/=', '-_')
where idempotency_key not like 'h:%';
