-- Issue 11, the payment seam: a hosted payment may be made through KOMOJU too, and by methods paid later
-- (コンビニ決済, Pay-easy). method: how the shopper paid on the hosted page; pay_deadline: after this the
-- payment can no longer be made and the order's stock returns; pay_instructions: JSON of what the shopper
-- takes to the store or bank (chain, payment number, confirmation number, the provider's instructions page).
-- T5: no column here can hold a card number.
alter table card_payment add column method text not null default 'card' check (method in ('card', 'konbini', 'paypay', 'payeasy'));
alter table card_payment add column pay_deadline timestamptz;
alter table card_payment add column pay_instructions text;
create index card_payment_waiting_idx on card_payment (status, created_at);
