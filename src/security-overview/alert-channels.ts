import type { AppContext } from '../platform/context.ts';
import type { BanService } from '../bans/service.ts';
import { adminBaseUrl } from '../platform/config.ts';
import { alertChannelConfig, type AlertChannelConfig } from '../alerts/channels-config.ts';
import { digestDue, sendAlertDigest } from './alert-digest.ts';
import { ALERT_WEBHOOK_JOB, alertWebhookHandler } from '../alerts/webhook.ts';

export const ALERT_DIGEST_TASK = 'alert-digest';
const configured = new WeakMap<AppContext, AlertChannelConfig>();

/**
 * Issue 12: the alert channels besides the owners' mail: the signed webhook (a job per notification,
 * retried through the job queue) and the daily digest (checked hourly, sent at ALERT_DIGEST_HOUR Tokyo time).
 */
export function createAlertChannels(ctx: AppContext, bans: Pick<BanService, 'store'>, cfg: AlertChannelConfig = alertChannelConfig()): AlertChannelConfig {
  const existing = configured.get(ctx);
  if (existing) return existing;
  configured.set(ctx, cfg);
  ctx.jobs.register(ALERT_WEBHOOK_JOB, alertWebhookHandler(ctx.db, cfg, () => adminBaseUrl(ctx.config)));
  ctx.scheduler.every(ALERT_DIGEST_TASK, 3600_000, async () => {
    if (await digestDue(ctx, cfg.digestHour)) await sendAlertDigest(ctx, bans);
  });
  return cfg;
}
