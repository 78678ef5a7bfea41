-- Issue 18: a `single` scheduled task holds a lease row while it runs instead of a session advisory lock, so the
-- task's own queries never need a second pool connection while the lock's connection is held.
create table if not exists scheduler_lease (
  name text primary key,
  holder text not null,
  expires_at timestamptz not null
);
