import { z } from 'zod';

const envSchema = z.object({
  ALERT_WEBHOOK_URL: z
    .string()
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'must be an http(s) URL' })
    .optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
  ALERT_DIGEST_HOUR: z.coerce.number().int().min(-1).max(23).default(9),
});

export interface AlertChannelConfig {
  webhookUrl: string | null;
  webhookSecret: string | null;
  webhookTimeoutMs: number;
  /** Hour of the day (Asia/Tokyo) the daily digest is mailed to the owners; -1 turns it off. */
  digestHour: number;
}

/** Reads ALERT_* (README "Detection"); an invalid value stops the start with a clear message. */
export function alertChannelConfig(env: NodeJS.ProcessEnv = process.env): AlertChannelConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('ALERT_') && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const e = parsed.data;
  // T4: an unsigned webhook could be forged by anyone who learns the receiver's URL: no URL without a secret.
  if (e.ALERT_WEBHOOK_URL && !e.ALERT_WEBHOOK_SECRET) throw new Error('Invalid configuration:\n  ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set');
  return { webhookUrl: e.ALERT_WEBHOOK_URL ?? null, webhookSecret: e.ALERT_WEBHOOK_SECRET ?? null, webhookTimeoutMs: e.ALERT_WEBHOOK_TIMEOUT_MS, digestHour: e.ALERT_DIGEST_HOUR };
}
