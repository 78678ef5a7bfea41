-- Audit trail (PCI DSS 10.2, 10.3; threat model principle 4): an append-only, hash-chained log of
-- staff actions and of every view or export of personal data. Hashing and verification live in
-- src/audit/chain.ts; this file only stores what the application computed.
create table audit_entry (
  -- 1, 2, 3, ... without gaps: a gap is a deleted entry
  seq bigint primary key check (seq > 0),
  at timestamptz not null,
  actor_type text not null check (actor_type in ('staff', 'customer', 'system', 'anonymous')),
  actor_id bigint,
  actor_role text,
  action text not null,
  object_type text,
  object_id text,
  result text not null check (result in ('success', 'denied', 'failed')),
  ip text,
  user_agent text,
  -- canonical JSON text exactly as hashed: names of fields, ids, counts; never personal data values or secrets
  detail text not null default '{}',
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null unique check (hash ~ '^[0-9a-f]{64}$')
);
create index audit_entry_at_idx on audit_entry (at);
create index audit_entry_action_idx on audit_entry (action, seq);
create index audit_entry_actor_idx on audit_entry (actor_type, actor_id, seq);
create index audit_entry_object_idx on audit_entry (object_type, object_id, seq);

-- Signed checkpoints: (seq, hash) of the chain's tail at a moment, signed with an Ed25519 key kept
-- outside the database (DATA_DIR/keys or AUDIT_SIGNING_KEY). Also written to the JSON-lines files.
create table audit_checkpoint (
  id bigserial primary key,
  seq bigint not null,
  hash text not null,
  at timestamptz not null,
  key_id text not null,
  signature text not null
);
create index audit_checkpoint_seq_idx on audit_checkpoint (seq);

-- Append-only for the application. The owner role of a table cannot be denied UPDATE/DELETE by
-- REVOKE (the owner's rights are implicit), so a trigger refuses them, and TRUNCATE too.
-- The session setting omamori.audit_maintenance = 'on' is for the retention/restore tooling only.
-- Limits, on purpose stated: anyone who can run SQL as the owner (or a superuser, a DBA) can set that
-- setting, `alter table ... disable trigger`, or drop the trigger. The trigger stops mistakes, an
-- application bug and an injected single statement; it does not stop a DBA. That is what the chain
-- and the signed checkpoints (key outside the database, copies in the JSON-lines files) are for:
-- `omamori audit verify` finds edited, deleted, reordered and truncated entries afterwards.
create function audit_append_only() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('omamori.audit_maintenance', true), '') = 'on' then
    if tg_op = 'DELETE' then return old; end if;
    if tg_op = 'UPDATE' then return new; end if;
    return null;
  end if;
  raise exception 'audit log is append-only: % on % refused', tg_op, tg_table_name using errcode = '42501';
end;
$$;
create trigger audit_entry_append_only before update or delete on audit_entry for each row execute function audit_append_only();
create trigger audit_entry_no_truncate before truncate on audit_entry for each statement execute function audit_append_only();
create trigger audit_checkpoint_append_only before update or delete on audit_checkpoint for each row execute function audit_append_only();
create trigger audit_checkpoint_no_truncate before truncate on audit_checkpoint for each statement execute function audit_append_only();
