import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Services } from '../services.ts';
import { appendAudit, type AuditAction, type AuditDetail, type AuditRecord } from './chain.ts';
import type { AuditResult } from './tables.ts';
import { recordSecurityEvent, type DetailValue } from '../platform/security/event-stream.ts';
import { staffActionEventKind } from '../security-events/staff-actions.ts';

/** Where a request came from: IP (TRUST_PROXY aware, as Fastify resolved it) and user agent (clipped when stored). */
export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
}

type RequestLike = Pick<FastifyRequest, 'ip' | 'headers'>;

export function requestMeta(req: RequestLike | undefined): RequestMeta {
  if (!req) return {};
  const ua = req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua : null };
}

/** Issue 12: the security-event side of an audited staff action (PII reveals, exports, script and setting changes). */
function recordStaffEvent(handle: object, staffId: number, action: string, req: RequestLike | undefined, detail: Record<string, DetailValue>): void {
  const kind = staffActionEventKind(action);
  if (kind) recordSecurityEvent(req ?? handle, { kind, outcome: 'done', ip: req?.ip, actor: { kind: 'staff', id: staffId }, detail: { action, ...detail } });
}

export interface StaffRef {
  id: number;
  role: string;
}

/**
 * Staff sign-in, success or failure (PCI DSS 10.2.1.4 / 10.2.1.5). Never the e-mail address typed
 * or the password: an unknown account is recorded as anonymous with its reason.
 * `step`: the password, the TOTP code or a recovery code. Call after the outcome is known, with
 * `db` (own transaction) or inside the transaction that creates the session.
 */
export function recordStaffSignIn(
  db: Kysely<Database>,
  input: {
    ok: boolean;
    staff?: StaffRef | null;
    step?: 'password' | 'second_factor' | 'recovery_code' | 'setup';
    /** Failure reason code, e.g. 'bad_credentials', 'bad_code', 'throttled', 'inactive'. */
    reason?: string;
    req?: RequestLike;
  },
): Promise<AuditRecord> {
  const step = input.step ?? 'password';
  const action = input.ok ? 'staff.sign_in' : step === 'password' ? 'staff.sign_in_failed' : 'staff.second_factor_failed';
  const result: AuditResult = input.ok ? 'success' : input.reason === 'throttled' ? 'denied' : 'failed';
  return appendAudit(db, {
    actor: input.staff ? { type: 'staff', id: input.staff.id, role: input.staff.role } : { type: 'anonymous' },
    action,
    object: input.staff ? { type: 'staff', id: input.staff.id } : null,
    result,
    ...requestMeta(input.req),
    detail: { step, ...(input.reason ? { reason: input.reason.slice(0, 40) } : {}) },
  });
}

/**
 * A staff member saw personal data unmasked (a customer's full e-mail, phone, address...). Call
 * inside the transaction that reads the data, or with `db` just before rendering. `fields` names the
 * fields shown (never their values).
 */
export function recordPersonalDataView(
  trx: Kysely<Database>,
  input: { staff: StaffRef; object: { type: 'customer' | 'order' | 'address' | string; id: number | string }; fields: string[]; req?: RequestLike },
): Promise<AuditRecord> {
  recordStaffEvent(trx, input.staff.id, 'personal_data.view_unmasked', input.req, { object: input.object.type, fields: input.fields.slice(0, 10) });
  return appendAudit(trx, {
    actor: { type: 'staff', id: input.staff.id, role: input.staff.role },
    action: 'personal_data.view_unmasked',
    object: input.object,
    result: 'success',
    ...requestMeta(input.req),
    detail: { fields: input.fields.map((f) => f.slice(0, 40)).slice(0, 30) },
  });
}

/**
 * A staff action recorded with the change, inside its transaction: `settings.change` (detail: the
 * names of the settings changed), `permission.change` (object: the staff member; detail: old and new
 * role), `emergency.revoke_sessions`, `emergency.force_password_reset` (detail: counts)...
 */
export function recordStaffAction(
  trx: Kysely<Database>,
  input: { staff: StaffRef; action: AuditAction; object?: { type: string; id?: string | number | null } | null; result?: AuditResult; detail?: AuditDetail; req?: RequestLike },
): Promise<AuditRecord> {
  recordStaffEvent(trx, input.staff.id, input.action, input.req, { object: input.object?.type ?? null });
  return appendAudit(trx, {
    actor: { type: 'staff', id: input.staff.id, role: input.staff.role },
    action: input.action,
    object: input.object ?? null,
    result: input.result ?? 'success',
    ...requestMeta(input.req),
    detail: input.detail ?? {},
  });
}

/** A bulk export (customers, orders, the audit trail itself): what, how many, which filter (no values of personal data). */
export function recordExport(
  trx: Kysely<Database>,
  input: { staff: StaffRef; kind: 'customers' | 'orders' | 'audit'; format: string; count: number; filter?: AuditDetail; req?: RequestLike },
): Promise<AuditRecord> {
  recordStaffEvent(trx, input.staff.id, `export.${input.kind}`, input.req, { format: input.format, count: input.count });
  return appendAudit(trx, {
    actor: { type: 'staff', id: input.staff.id, role: input.staff.role },
    action: `export.${input.kind}`,
    object: { type: input.kind },
    result: 'success',
    ...requestMeta(input.req),
    detail: { format: input.format, count: input.count, ...(input.filter ? { filter: input.filter } : {}) },
  });
}

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 2xx/3xx success; 401/403 denied; anything else failed (422 invalid form, 404, 429, 5xx). */
export function resultOf(status: number): AuditResult {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  return 'failed';
}

/**
 * PCI DSS 10.2.1.2/10.2.2: an `onResponse` hook for the admin context that records every
 * state-changing admin request (any method but GET/HEAD/OPTIONS) and every denied request (403,
 * any method): method, route pattern (never the query string or the body), status, result, staff
 * and role (also a partial session's), IP, user agent. A numeric `:id` route parameter becomes the
 * object id; other parameter values are left out (they could be tokens). Written after the response
 * in its own transaction, so a failure to record never breaks the request; errors are logged.
 * Register it in the admin context after guardAdminContext.
 */
export function auditAdminRequests(admin: FastifyInstance, s: Services) {
  const audit = s.audit;
  admin.addHook('onResponse', async (req, reply) => {
    const status = reply.statusCode;
    if (readOnly.has(req.method) && status !== 403) return;
    const session = (req as { adminSession?: { staff: { id: number; role: string } } | null }).adminSession ?? null;
    const staff = session?.staff ?? req.staff ?? null;
    const route = req.routeOptions?.url ?? null;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const id = typeof params.id === 'string' && /^\d{1,18}$/.test(params.id) ? params.id : null;
    const section = route ? (/^\/admin\/([a-z0-9_-]+)/.exec(route)?.[1] ?? 'admin') : null;
    audit.recordLater({
      actor: staff ? { type: 'staff', id: staff.id, role: staff.role } : { type: 'anonymous' },
      action: 'admin.request',
      object: section ? { type: section, id } : null,
      result: resultOf(status),
      ...requestMeta(req),
      detail: { method: req.method, route: route ?? '(no route)', status, ...(session && !req.staff ? { session: 'partial' } : {}) },
    });
  });
}
