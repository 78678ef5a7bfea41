-- Script inventory (PCI DSS 6.4.3; T6): every third-party script a page may load, justified and approved.
-- First-party scripts come from the build's SRI hashes and are listed from the static folder, not stored.
create table script_inventory (
  id bigserial primary key,
  url text not null,
  -- the Subresource-Integrity value the tag must carry: sha384-<base64>
  sha384 text not null,
  -- page groups it may run on; payment pages (cart, checkout, payment return) are never allowed
  pages text not null,
  owner text not null,
  justification text not null,
  added_by int references staff (id) on delete set null,
  added_at timestamptz not null default now(),
  approved_by int references staff (id) on delete set null,
  approved_at timestamptz,
  removed_at timestamptz
);
create unique index script_inventory_url_idx on script_inventory (url) where removed_at is null;
