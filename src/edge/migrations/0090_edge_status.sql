-- Issue 14: the WAF's heartbeat, shared by every instance. last_edge_at: the last request that came through the
-- proxy with the edge secret (written at most every 30 s per instance). The waf_log_* columns: how far ModSecurity's
-- JSON audit log has been read into security_event (one reader at a time, under the scheduler's lease).
create table edge_status (
  id smallint primary key default 1 check (id = 1),
  last_edge_at timestamptz,
  waf_log_path text,
  waf_log_inode text,
  waf_log_offset bigint not null default 0,
  waf_log_read_at timestamptz,
  waf_log_error text
);
insert into edge_status (id) values (1);
