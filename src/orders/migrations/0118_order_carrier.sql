-- Issue 16: which carrier took the parcel, recorded with the tracking number (CSV import or the status form), so
-- the shipped mail and the order page can link to the carrier's tracking page. '' = not known (older orders).
alter table orders add column if not exists carrier text not null default '';
alter table orders drop constraint if exists orders_carrier_check;
alter table orders add constraint orders_carrier_check check (carrier in ('', 'yamato', 'sagawa', 'japanpost', 'other'));
