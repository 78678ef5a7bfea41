-- The parcel's tracking number (set when staff mark an order shipped), and when the money arrived:
-- a confirmed bank transfer, or a cash-on-delivery parcel handed over (delivered means paid).
alter table orders add column tracking_number text not null default '';
alter table orders add column paid_at timestamptz;
