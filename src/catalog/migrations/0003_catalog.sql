create table category (
  id serial primary key,
  slug text not null unique check (slug ~ '^[a-z0-9-]{1,64}$'),
  name_ja text not null,
  name_en text not null,
  position int not null default 0
);

create table product (
  id serial primary key,
  slug text not null unique check (slug ~ '^[a-z0-9-]{1,80}$'),
  category_id int references category (id) on delete set null,
  name_ja text not null,
  name_en text not null,
  description_ja text not null default '',
  description_en text not null default '',
  -- standard: 10%; reduced: 8% (food and drink)
  tax_class text not null check (tax_class in ('standard', 'reduced')),
  published boolean not null default false,
  position int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index product_listing_idx on product (published, category_id, position, id);

create table variant (
  id serial primary key,
  product_id int not null references product (id) on delete cascade,
  sku text not null unique,
  name_ja text not null,
  name_en text not null,
  -- JPY, tax-inclusive
  price int not null check (price >= 0 and price <= 10000000),
  stock int not null default 0 check (stock >= 0),
  jan_code text check (jan_code is null or jan_code ~ '^[0-9]{8}$|^[0-9]{13}$'),
  position int not null default 0
);
create index variant_product_idx on variant (product_id, position);

-- Uploaded images live in DATA_DIR/uploads under a random name; never inside the code tree.
create table product_image (
  id serial primary key,
  product_id int not null references product (id) on delete cascade,
  file_name text not null unique check (file_name ~ '^[a-f0-9]{32}\.(jpg|png|webp)$'),
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
  byte_size int not null,
  alt_ja text not null default '',
  alt_en text not null default '',
  position int not null default 0,
  created_at timestamptz not null default now()
);
create index product_image_product_idx on product_image (product_id, position);
