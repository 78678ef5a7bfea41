-- Denial of inventory (issue 10): the client network an order was placed from, so unpaid orders can be
-- limited per network. Only a keyed blind index of the network (IPv4 address, IPv6 /64), never the address;
-- the row goes with its order (retention, erasure).
create table checkout_network (
  order_id int primary key references orders (id) on delete cascade,
  network_bidx text not null,
  created_at timestamptz not null default now()
);
create index checkout_network_bidx_idx on checkout_network (network_bidx, created_at);
