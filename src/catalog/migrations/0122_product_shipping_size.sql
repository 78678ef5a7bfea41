-- Issue 16: the parcel size (三辺合計 cm) a product ships in; the shipping rate is the region's rate for the
-- largest size in the order (src/shop/shipping-config.ts).
alter table product add column shipping_size smallint not null default 60
  check (shipping_size in (60, 80, 100, 120, 140, 160));
