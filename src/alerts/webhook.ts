import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../platform/db/database.ts';
import { enqueueJob, TransientJobError } from '../platform/jobs/queue.ts';
import { vaultOf } from '../vault/bound.ts';
import type { AlertChannelConfig } from './channels-config.ts';
import { getAlert, type AlertView } from './queries.ts';

export const ALERT_WEBHOOK_JOB = 'alert.webhook';
export const signatureHeader = 'x-omamori-signature';
export const deliveryHeader = 'x-omamori-delivery';

/** Queued with the alert's notification, in its transaction: the delivery exists exactly when the alert does. */
export async function enqueueAlertWebhook(trx: Db, alertId: number, nth: number): Promise<void> {
  // A handle without the vault (a command-line tool's own connection) cannot queue jobs; the mail to the owners still goes.
  if (!vaultOf(trx)) return;
  await enqueueJob(trx, ALERT_WEBHOOK_JOB, { alertId, nth });
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (the Stripe-style scheme receivers already know). */
export function signWebhook(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** For receivers (and the tests): true when the signature is ours and at most `toleranceS` old. */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined, toleranceS = 300, nowS = Math.floor(Date.now() / 1000)): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > toleranceS) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return timingSafeEqual(expected, Buffer.from(m[2]!));
}

const severityMark: Record<string, string> = { critical: ':rotating_light:', high: ':warning:', medium: ':large_yellow_circle:', low: ':information_source:' };

/** Slack-compatible JSON: `text` for any receiver, `blocks` for Slack. No personal data: title, kind, counts and a link. */
export function webhookPayload(a: AlertView, nth: number, consoleUrl: string): { text: string; blocks: unknown[] } {
  const link = `${consoleUrl}/admin/security/alerts/${a.id}`;
  const again = nth > 1 ? ` (${nth})` : '';
  const text = `${severityMark[a.severity] ?? ''} [omamori] ${a.severity.toUpperCase()}${again}: ${a.title} — ${link}`.trim();
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${a.severity.toUpperCase()}${again}*: ${a.title}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `kind: \`${a.kind}\` · seen ${a.occurrences}× · <${link}|管理画面で確認 / open in the console>` }] },
    ],
  };
}

/**
 * The job handler: POSTs the signed JSON. Any failure (unreachable, timeout, non-2xx) is transient:
 * the queue retries with backoff for as long as it takes, so no alert is lost to a receiver's outage.
 * The delivery id (alert-nth) is the same on every attempt, so a receiver can drop a duplicate.
 */
export function alertWebhookHandler(db: Db, cfg: AlertChannelConfig, consoleUrl: () => string) {
  return async (payload: Record<string, unknown>): Promise<void> => {
    if (!cfg.webhookUrl || !cfg.webhookSecret) return;
    const alert = await getAlert(db, Number(payload.alertId));
    if (!alert) return;
    const nth = Number(payload.nth) || 1;
    const body = JSON.stringify(webhookPayload(alert, nth, consoleUrl()));
    let res: Response;
    try {
      res = await fetch(cfg.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [signatureHeader]: signWebhook(cfg.webhookSecret, body), [deliveryHeader]: `${alert.id}-${nth}`, 'user-agent': 'omamori-alerts/1' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(cfg.webhookTimeoutMs),
      });
    } catch (err) {
      throw new TransientJobError(`alert webhook unreachable: ${(err as Error).message}`.slice(0, 300), { cause: err });
    }
    await res.body?.cancel().catch(() => {});
    if (!res.ok) throw new TransientJobError(`alert webhook answered ${res.status}`);
  };
}
