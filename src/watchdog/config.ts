import { z } from 'zod';

const int = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);

const envSchema = z.object({
  SILENCE_CHECK_SECONDS: int(0, 3600, 60),
  SILENCE_GRACE_MINUTES: int(0, 10_080, 5),
});

export interface WatchdogConfig {
  /** Seconds between silence checks; 0 turns the check off. */
  checkSeconds: number;
  /** A protection is overdue when its last good run is older than its interval plus this. */
  graceMinutes: number;
}

/** Reads SILENCE_* (README "Detection"); an invalid value stops the start with a clear message. */
export function watchdogConfig(env: NodeJS.ProcessEnv = process.env): WatchdogConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('SILENCE_') && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return { checkSeconds: parsed.data.SILENCE_CHECK_SECONDS, graceMinutes: parsed.data.SILENCE_GRACE_MINUTES };
}
