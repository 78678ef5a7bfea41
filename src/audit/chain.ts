import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { replaceCardNumbers } from '../platform/card-numbers/card-numbers.ts';
import type { AuditActorType, AuditResult } from './tables.ts';

/**
 * What the audit trail records (PCI DSS 10.2.1-10.2.2). A typo in an action name fails to compile.
 * `emergency.*` names the owner's emergency actions (revoke every session, force password resets).
 */
export const auditActions = [
  'staff.sign_in',
  'staff.sign_in_failed',
  'staff.second_factor_failed',
  'staff.sign_out',
  'staff.step_up',
  'staff.password_change',
  // Issue 17: passkeys (src/identity/passkeys).
  'passkey.add',
  'passkey.remove',
  'passkey.policy',
  'admin.request',
  'personal_data.view_unmasked',
  'export.customers',
  'export.orders',
  'export.audit',
  'export.requested',
  'export.approved',
  'export.denied',
  'audit.view',
  'settings.change',
  'permission.change',
  'audit.checkpoint',
  'audit.verify_failed',
  // T1/T6: integrity decisions (src/integrity): acknowledging a finding, a new payment-page baseline, the script inventory.
  'integrity.acknowledge',
  'alert.acknowledge',
  'alert.resolve',
  // Issue 12: bans and the allow-list from the console (src/security-overview).
  'ban.add',
  'ban.remove',
  'ban.allow',
  'ban.unallow',
  'integrity.page_baseline_approve',
  'script.add',
  'script.approve',
  'script.remove',
  'backup.create',
  'backup.restore',
  'retention.run',
  // Issue 15: a drill token created in the console (src/drills).
  'drill.token_create',
  // Issue 16: shipping-label CSVs (guarded export) and tracking numbers imported by CSV (src/fulfilment).
  'export.shipping_labels',
  'tracking.import',
] as const;
export type AuditAction = (typeof auditActions)[number] | `emergency.${string}` | `incident.${string}`;

export function isAuditAction(v: string): v is AuditAction {
  return (auditActions as readonly string[]).includes(v) || /^(emergency|incident)\.[a-z_]{1,40}$/.test(v);
}

/** Detail values: names of fields, ids, counts, codes. Never a personal data value, a secret or a query string. */
export type AuditDetailValue = string | number | boolean | null | AuditDetailValue[] | { [key: string]: AuditDetailValue };
export type AuditDetail = Record<string, AuditDetailValue>;

export interface AuditInput {
  actor: { type: AuditActorType; id?: number | null; role?: string | null };
  action: AuditAction;
  object?: { type: string; id?: string | number | null } | null;
  result: AuditResult;
  ip?: string | null;
  userAgent?: string | null;
  detail?: AuditDetail;
  /** Defaults to now; always stored and hashed in UTC with millisecond precision. */
  at?: Date;
}

/** One entry as stored and as written to the JSON-lines files. */
export interface AuditRecord {
  seq: number;
  at: Date;
  actor_type: AuditActorType;
  actor_id: number | null;
  actor_role: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  result: AuditResult;
  ip: string | null;
  user_agent: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export const genesisHash = '0'.repeat(64);
export const userAgentMax = 200;
const detailMax = 2000;

/**
 * Canonical JSON: objects with keys in ascending UTF-16 code-unit order (JS default sort), no
 * whitespace, strings and finite numbers as JSON.stringify writes them, arrays in order. Rejects
 * what JSON cannot represent exactly (undefined, NaN, Infinity, functions, bigint).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('audit: a number in canonical JSON must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const keys = Object.keys(value).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    default:
      throw new Error(`audit: ${typeof value} has no canonical JSON form`);
  }
}

/**
 * The entry hash (format v1): lowercase hex SHA-256 of the UTF-8 bytes of
 *   "omamori-audit-v1\n" + canonicalJson({ action, actor_id, actor_role, actor_type, at, detail, ip,
 *   object_id, object_type, prev_hash, result, seq, user_agent })
 * where `at` is the ISO-8601 UTC string with milliseconds (Date#toISOString), `seq` and `actor_id`
 * are integers, `detail` is the stored canonical JSON *text* (so the hash covers its exact bytes),
 * absent values are null, and `prev_hash` is the previous entry's hash (64 zeros for seq 1).
 * Including seq and prev_hash makes a deleted, inserted or reordered entry break the chain.
 */
export function entryHash(e: Omit<AuditRecord, 'hash'>): string {
  const body = canonicalJson({
    action: e.action,
    actor_id: e.actor_id,
    actor_role: e.actor_role,
    actor_type: e.actor_type,
    at: e.at.toISOString(),
    detail: e.detail,
    ip: e.ip,
    object_id: e.object_id,
    object_type: e.object_type,
    prev_hash: e.prev_hash,
    result: e.result,
    seq: e.seq,
    user_agent: e.user_agent,
  });
  return createHash('sha256').update(`omamori-audit-v1\n${body}`, 'utf8').digest('hex');
}

/** A row as read from either driver (int8 may arrive as a string or bigint) into an AuditRecord. */
export function toRecord(row: Record<string, unknown>): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at instanceof Date ? row.at : new Date(String(row.at)),
    actor_type: row.actor_type as AuditActorType,
    actor_id: row.actor_id === null || row.actor_id === undefined ? null : Number(row.actor_id),
    actor_role: (row.actor_role as string | null) ?? null,
    action: String(row.action),
    object_type: (row.object_type as string | null) ?? null,
    object_id: (row.object_id as string | null) ?? null,
    result: row.result as AuditResult,
    ip: (row.ip as string | null) ?? null,
    user_agent: (row.user_agent as string | null) ?? null,
    detail: String(row.detail),
    prev_hash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

// All appends across every app instance take this transaction-level advisory lock: one chain, no fork.
const appendLockKey = 7341027;

/**
 * Control characters out, length capped, and (T2/T5) any card number replaced entirely: user agents
 * are attacker-chosen, and a card number in the audit trail would put one in the database and in
 * the JSON-lines files that the card-number scan checks.
 */
function clip(s: string | null | undefined, max: number): string | null {
  if (s === null || s === undefined) return null;
  const clean = noCardNumbers(s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'));
  return clean.length > max ? clean.slice(0, max) : clean;
}

function noCardNumbers(s: string): string {
  return replaceCardNumbers(s, () => '[card number removed]');
}

/**
 * Appends one entry **inside the caller's transaction**, so it commits or rolls back with the change
 * it records. Serialized across connections and app instances by `pg_advisory_xact_lock` held until
 * the caller's transaction ends; the tail is read after taking the lock (READ COMMITTED: each
 * statement sees what the previous holder committed). Under REPEATABLE READ the tail could be stale:
 * the seq primary key then refuses the insert instead of forking the chain. Append late in a
 * transaction: every audited transaction waits for the lock from here to its commit.
 * Called with a plain handle (not a transaction), it opens one.
 */
export async function appendAudit(db: Kysely<Database>, input: AuditInput): Promise<AuditRecord> {
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAudit(trx, input));
  await sql`select pg_advisory_xact_lock(${appendLockKey})`.execute(db);
  const tail = await db.selectFrom('audit_entry').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const detail = noCardNumbers(canonicalJson(input.detail ?? {}));
  if (detail.length > detailMax) throw new Error(`audit detail over ${detailMax} characters (${input.action})`);
  const at = new Date((input.at ?? new Date()).getTime());
  const base: Omit<AuditRecord, 'hash'> = {
    seq: tail ? Number(tail.seq) + 1 : 1,
    at,
    actor_type: input.actor.type,
    actor_id: input.actor.id ?? null,
    actor_role: clip(input.actor.role, 40),
    action: input.action,
    object_type: clip(input.object?.type, 60),
    object_id: input.object?.id === undefined || input.object?.id === null ? null : clip(String(input.object.id), 100),
    result: input.result,
    ip: clip(input.ip, 64),
    user_agent: clip(input.userAgent, userAgentMax),
    detail,
    prev_hash: tail ? tail.hash : genesisHash,
  };
  const record: AuditRecord = { ...base, hash: entryHash(base) };
  await db.insertInto('audit_entry').values(record).execute();
  // Wakes the JSON-lines writer of every instance when (and only if) this transaction commits.
  await sql`select pg_notify(${auditChannel}, ${String(record.seq)})`.execute(db);
  return record;
}

export const auditChannel = 'audit_appended';
