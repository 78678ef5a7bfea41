import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import type { AlertSeverity } from './tables.ts';
import { enqueueAlertWebhook } from './webhook.ts';
import { ownerDirectory } from './owners.ts';
import { recordSecurityEvent, type SecurityEventKind } from '../platform/security/event-stream.ts';

/** Findings reach the security-event stream through the alert they raise (one place for every finder). */
function alertEventKind(kind: string): SecurityEventKind | null {
  if (kind.startsWith('integrity')) return 'integrity.finding';
  if (kind.startsWith('page_')) return 'page_watch.finding';
  if (kind === 'pan_found') return 'pan_scan.find';
  const detectors: Record<string, SecurityEventKind> = {
    silence: 'watchdog.silence',
    host_unexpected: 'host.unexpected',
    credential_stuffing_distributed: 'auth.stuffing_distributed',
    common_passwords: 'auth.common_passwords',
    card_testing: 'payment.card_testing',
    staff_anomaly: 'staff.anomaly',
    csp_spike: 'csp.spike',
    malware: 'malware_scan.find',
  };
  return detectors[kind] ?? null;
}

export interface AlertInput {
  kind: string;
  severity: AlertSeverity;
  /** Short, in the owner's language of choice (Japanese first); no personal data, no card numbers. */
  title: string;
  detail?: Record<string, unknown>;
  /** Same fingerprint while unacknowledged: counted on the open alert instead of a new one. */
  fingerprint?: string;
  /** The client address behind it, when one (goes with the security event, not into the mail). */
  ip?: string | null;
}

/** The title prefix of an alert a breach drill caused (issue 15): never mistaken for a real incident, in mails too. */
export const drillAlertLabel = '[訓練 / DRILL] ';

/**
 * Whether a running drill caused this alert: the drill names what it plants `omamori-drill-<nonce>`, and the nonce is
 * a secret of that run (a file an attacker names `omamori-drill-…` is not labelled: the nonce must match a running drill).
 */
async function isDrillAlert(db: Db, fingerprint: string): Promise<boolean> {
  const m = /omamori-drill-([0-9a-f]{24})/.exec(fingerprint);
  if (!m) return false;
  const r = await sql<{ n: number }>`select count(*)::int as n from drill_run where nonce = ${m[1]} and finished_at is null and started_at > now() - interval '2 hours'`.execute(db).catch(() => ({ rows: [{ n: 0 }] }));
  return Number(r.rows[0]?.n ?? 0) > 0;
}

/** The alert's small scalar detail (counts, codes) goes with its security event too. */
function eventDetail(detail: Record<string, unknown> | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(detail ?? {})) if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 200)) out[k] = v;
  return out;
}

/** How long an open alert stays quiet before the owners are mailed again; 0: never again. */
export const repeatWindowMs: Record<AlertSeverity, number> = { critical: 30 * 60_000, high: 4 * 3600_000, medium: 24 * 3600_000, low: 0 };
export const repeatCap = 12;

async function mailOwners(trx: Db, id: number, input: AlertInput, nth: number) {
  await enqueueAlertWebhook(trx, id, nth); // issue 12: the signed webhook channel (a no-op job without ALERT_WEBHOOK_URL)
  const reminder = nth > 1 ? ` (${nth})` : '';
  for (const to of await ownerDirectory().activeOwnerEmails(trx)) {
    await queueMail(trx, {
      kind: 'security_alert',
      to,
      subject: `[omamori] ${input.severity.toUpperCase()}${reminder}: ${input.title}`,
      text: `${input.title}\n\n${JSON.stringify(input.detail ?? {}, null, 2)}\n\n管理画面の「アラート」(/admin/security/alerts/${id}) で確認し、対応したら確認済みにしてください。確認済みになるまで、このアラートは繰り返し通知されます。\nReview it under Alerts in the admin console (/admin/security/alerts/${id}) and acknowledge it once handled; until then it is mailed again.`,
    });
  }
}

/**
 * Records a security alert and, when it is new, e-mails every active owner. Detail must never
 * contain a card number or personal data: callers pass locations, masked values and counts only.
 */
export async function raiseAlert(db: Db, input: AlertInput): Promise<{ id: number; isNew: boolean }> {
  const fingerprint = input.fingerprint ?? `${input.kind}:${input.title}`;
  if (await isDrillAlert(db, fingerprint)) input = { ...input, title: `${drillAlertLabel}${input.title}`, detail: { ...input.detail, drill: true } };
  const eventKind = alertEventKind(input.kind);
  if (eventKind) recordSecurityEvent(db, { kind: eventKind, outcome: 'detected', severity: input.severity, ip: input.ip ?? null, detail: { ...eventDetail(input.detail), alert: input.kind, fingerprint: fingerprint.slice(0, 120) } });
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .updateTable('alert')
      .set({ occurrences: sql`occurrences + 1`, last_seen_at: new Date() })
      .where('fingerprint', '=', fingerprint)
      .where('acknowledged_at', 'is', null)
      .returning(['id', 'last_notified_at', 'notifications', 'severity'])
      .executeTakeFirst();
    if (existing) {
      // Issue 12: still open after its window: the owners are told again (up to a cap), not once for ever.
      const window = repeatWindowMs[existing.severity];
      if (window > 0 && existing.notifications < repeatCap && Date.now() - new Date(existing.last_notified_at).getTime() >= window) {
        await trx.updateTable('alert').set({ last_notified_at: new Date(), notifications: sql`notifications + 1` }).where('id', '=', existing.id).execute();
        await mailOwners(trx, existing.id, input, existing.notifications + 1);
      }
      return { id: existing.id, isNew: false };
    }
    const row = await trx
      .insertInto('alert')
      .values({ kind: input.kind, severity: input.severity, title: input.title, detail: JSON.stringify(input.detail ?? {}), fingerprint })
      .onConflict((oc) => oc.column('fingerprint').where('acknowledged_at', 'is', null).doUpdateSet({ occurrences: sql`alert.occurrences + 1`, last_seen_at: new Date() }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await mailOwners(trx, row.id, input, 1);
    return { id: row.id, isNew: true };
  });
}
