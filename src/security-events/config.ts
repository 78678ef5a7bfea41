import { z } from 'zod';

const envSchema = z.object({
  // PCI DSS 10.5.1: a year of audit history; 400 days so the same weeks of last year are still there.
  SECURITY_EVENT_RETENTION_DAYS: z.coerce.number().int().min(30).max(3650).default(400),
  SECURITY_EVENT_BUFFER: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
});

export interface SecurityEventConfig {
  retentionDays: number;
  /** Events held in memory while the database is behind; past that new events are dropped and counted. */
  maxBuffer: number;
}

/** Reads SECURITY_EVENT_*; an invalid value stops the start with a clear message. */
export function securityEventConfig(env: NodeJS.ProcessEnv = process.env): SecurityEventConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('SECURITY_EVENT_') && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return { retentionDays: parsed.data.SECURITY_EVENT_RETENTION_DAYS, maxBuffer: parsed.data.SECURITY_EVENT_BUFFER };
}
