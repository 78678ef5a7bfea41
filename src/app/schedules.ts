// Every periodic task of the store, in one list (issue 11): its name, how often it runs, which instance runs it,
// and the module that registers it with `ctx.scheduler.every`. `test/schedules.test.ts` fails when a task runs
// that is not listed here, or runs at another interval than listed. `single`: one instance at a time (a lease).

export interface ScheduleEntry {
  name: string;
  /** The interval: a fixed number of milliseconds, or the setting it follows. */
  every: number | string;
  single: boolean;
  registeredIn: string;
  /** Only when this is configured (otherwise the task does not exist). */
  when?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const schedules: readonly ScheduleEntry[] = [
  { name: 'purge-expired-sessions', every: HOUR, single: true, registeredIn: 'identity/service.ts' },
  { name: 'purge-stale-carts', every: 6 * HOUR, single: true, registeredIn: 'cart/service.ts' },
  { name: 'expire-unpaid-bank-transfers', every: HOUR, single: true, registeredIn: 'orders/service.ts' },
  { name: 'card-payment-reconcile', every: 10 * MINUTE, single: true, registeredIn: 'payments/card/reconciliation.ts' },
  { name: 'guard-event-retention', every: 6 * HOUR, single: true, registeredIn: 'platform/card-numbers/guard-retention.ts' },
  { name: 'security-event-retention', every: 24 * HOUR, single: true, registeredIn: 'security-events/service.ts' },
  { name: 'pan-scan', every: 'min(PAN_SCAN_INTERVAL, 10 min): checks each round whether a scan is due', single: true, registeredIn: 'detection/service.ts' },
  { name: 'integrity-verify', every: 'INTEGRITY_INTERVAL_SECONDS (60 s)', single: false, registeredIn: 'integrity/service.ts' },
  { name: 'page-watch', every: 'INTEGRITY_PAGE_WATCH_SECONDS', single: false, registeredIn: 'integrity/page-watch/page-watch.ts', when: 'a listening storefront' },
  { name: 'script-inventory', every: MINUTE, single: false, registeredIn: 'integrity/scripts/script-inventory.ts' },
  { name: 'audit-checkpoint', every: 'AUDIT_CHECKPOINT_MINUTES', single: true, registeredIn: 'audit/service.ts' },
  { name: 'audit-verify', every: 'AUDIT_VERIFY_MINUTES', single: true, registeredIn: 'audit/service.ts' },
  { name: 'audit-sink', every: MINUTE, single: false, registeredIn: 'audit/service.ts', when: 'AUDIT_SINK' },
  { name: 'backup', every: 'BACKUP_INTERVAL_HOURS', single: true, registeredIn: 'backup/service.ts', when: 'BACKUP_INTERVAL_HOURS' },
  { name: 'retention', every: 24 * HOUR, single: true, registeredIn: 'retention/service.ts', when: 'a retention period' },
  { name: 'alert-digest', every: HOUR, single: true, registeredIn: 'security-overview/alert-channels.ts' },
  { name: 'crowdsec-decisions', every: 'CROWDSEC_POLL_SECONDS (10 s)', single: false, registeredIn: 'bans/service.ts', when: 'CROWDSEC_LAPI_URL and CROWDSEC_BOUNCER_KEY' },
  { name: 'detector-baselines', every: HOUR, single: false, registeredIn: 'bans/rate-detectors.ts' },
  { name: 'host-check', every: 'HOST_CHECK_SECONDS (60 s)', single: false, registeredIn: 'watchdog/host-check.ts', when: 'Linux (/proc) and HOST_CHECK_SECONDS > 0' },
  { name: 'waf-audit-log', every: 10_000, single: true, registeredIn: 'edge/service.ts', when: 'WAF_AUDIT_LOG' },
  { name: 'response-switches', every: 3_000, single: false, registeredIn: 'platform/switches.ts' },
  { name: 'malware-scan', every: 'MALWARE_SCAN_INTERVAL_HOURS (1 h)', single: false, registeredIn: 'malware-scan/service.ts', when: 'MALWARE_SCAN_INTERVAL_HOURS > 0' },
  { name: 'silence-check', every: 'SILENCE_CHECK_SECONDS (60 s)', single: false, registeredIn: 'watchdog/service.ts', when: 'SILENCE_CHECK_SECONDS > 0' },
  { name: 'incident-deadline-reminders', every: HOUR, single: true, registeredIn: 'incidents/reminders.ts' },
];
