-- Issue 16: a product CSV uploaded for a dry run, kept until the operator applies it (or for a day), so the
-- apply step reads exactly the file that was checked and nothing travels back through the browser.
create table catalog_import (
  id serial primary key,
  staff_id integer not null references staff (id) on delete cascade,
  file_name text not null,
  encoding text not null check (encoding in ('utf-8', 'utf-8-bom', 'cp932')),
  content text not null,
  created_at timestamptz not null default now(),
  applied_at timestamptz
);
create index catalog_import_created_idx on catalog_import (created_at);
