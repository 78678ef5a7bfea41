import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { AuditService } from '../audit/service.ts';
import type { BanService } from '../bans/service.ts';
import { edgeHeartbeat } from '../edge/service.ts';
import type { IntegrityService } from '../integrity/service.ts';
import { panScanIntervalMs } from '../detection/service.ts';
import type { AppContext } from '../platform/context.ts';

export type Light = 'green' | 'amber' | 'red' | 'grey';

/** One protection: its light, why (a message key and its parameters), and where its raw detail is. */
export interface Protection {
  key: 'card' | 'files' | 'pages' | 'csp' | 'panScan' | 'audit' | 'backups' | 'staff2fa' | 'passkeys' | 'bans' | 'waf';
  light: Light;
  /** Message key of the one-line state, e.g. 'card_off'. */
  state: string;
  params?: Record<string, string | number>;
  at?: Date | null;
  href?: string;
}

const hour = 3600_000;

function newestBackup(dir: string): Date | null {
  try {
    let newest: Date | null = null;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('omamori-backup-') || name.endsWith('.partial')) continue;
      const m = statSync(join(dir, name)).mtime;
      if (!newest || m > newest) newest = m;
    }
    return newest;
  } catch {
    return null;
  }
}

/**
 * The traffic lights of the security overview, from each protection's own state (no new bookkeeping):
 * green works, amber needs a look or has not run yet, red needs action now, grey is not set up.
 */
/** The long-lived services whose state the overview reads (from `Services`, passed by the route). */
export interface ProtectionSources {
  integrity: IntegrityService;
  audit: Pick<AuditService, 'lastVerification'>;
  bans: Pick<BanService, 'store'>;
}

export async function protections(ctx: AppContext, sources: ProtectionSources, now = new Date()): Promise<Protection[]> {
  const integrity = sources.integrity;
  const status = integrity.status();
  const card = integrity.cardCheckoutAllowed();
  const out: Protection[] = [];

  // T1 fail closed: the first light is whether shoppers can pay by card right now, and why not.
  if (card.allowed) out.push({ key: 'card', light: 'green', state: 'card_on', href: '/admin/security/integrity' });
  else out.push({ key: 'card', light: card.reason === 'not_verified' || card.reason === 'pages_not_verified' ? 'amber' : 'red', state: 'card_off', params: { reason: card.reason ?? 'not_verified' }, href: '/admin/security/integrity' });

  const round = status.lastRound;
  const stale = round && now.getTime() - round.at.getTime() > 3 * status.intervalSeconds * 1000;
  if (!round) out.push({ key: 'files', light: 'amber', state: 'files_not_yet', href: '/admin/security/integrity' });
  else if (round.problem === 'files_changed' || status.openFindings > 0) out.push({ key: 'files', light: 'red', state: 'files_changed', params: { n: status.openFindings }, at: round.at, href: '/admin/security/integrity' });
  else if (round.problem) out.push({ key: 'files', light: 'red', state: 'files_problem', params: { reason: round.problem }, at: round.at, href: '/admin/security/integrity' });
  else if (stale) out.push({ key: 'files', light: 'amber', state: 'files_stale', at: round.at, href: '/admin/security/integrity' });
  else out.push({ key: 'files', light: 'green', state: 'files_ok', params: { n: round.files }, at: round.at, href: '/admin/security/integrity' });

  const pages = integrity.pageWatch.lastRound();
  if (!pages) out.push({ key: 'pages', light: 'amber', state: 'pages_not_yet', href: '/admin/security/pages' });
  else if (pages.problem && pages.problem !== 'pages_not_verified') out.push({ key: 'pages', light: 'red', state: 'pages_problem', params: { reason: pages.problem }, at: pages.at, href: '/admin/security/pages' });
  else out.push({ key: 'pages', light: 'green', state: 'pages_ok', at: pages.at, href: '/admin/security/pages' });

  const since = new Date(now.getTime() - 24 * hour);
  const csp = await ctx.db
    .selectFrom('csp_report')
    .select([sql<number>`coalesce(sum(count), 0)::int`.as('n'), sql<number>`coalesce(sum(count) filter (where payment_page), 0)::int`.as('payment')])
    .where('last_seen_at', '>=', since)
    .executeTakeFirstOrThrow();
  const cspN = Number(csp.n);
  const cspPayment = Number(csp.payment);
  out.push({ key: 'csp', light: cspPayment ? 'red' : cspN ? 'amber' : 'green', state: cspPayment ? 'csp_payment' : cspN ? 'csp_some' : 'csp_none', params: { n: cspN, payment: cspPayment }, href: '/admin/security/csp-reports' });

  const scan = await ctx.db.selectFrom('pan_scan_run').select(['status', 'started_at', 'finished_at']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const scanAt = scan ? new Date(scan.finished_at ?? scan.started_at) : null;
  if (!scan) out.push({ key: 'panScan', light: 'amber', state: 'scan_never' });
  else if (scan.status === 'found' || scan.status === 'failed') out.push({ key: 'panScan', light: 'red', state: `scan_${scan.status}`, at: scanAt, href: '/admin/security/alerts' });
  else if (scan.status === 'running') out.push({ key: 'panScan', light: 'green', state: 'scan_running', at: scanAt });
  else if (now.getTime() - scanAt!.getTime() > 2 * panScanIntervalMs()) out.push({ key: 'panScan', light: 'amber', state: 'scan_late', at: scanAt });
  else out.push({ key: 'panScan', light: 'green', state: 'scan_clean', at: scanAt });

  const verified = sources.audit.lastVerification();
  if (!verified) out.push({ key: 'audit', light: 'amber', state: 'audit_not_yet', href: '/admin/audit' });
  else out.push({ key: 'audit', light: verified.ok ? 'green' : 'red', state: verified.ok ? 'audit_ok' : 'audit_broken', params: { n: verified.entries }, href: '/admin/audit' });

  const every = ctx.config.backupIntervalHours;
  const newest = newestBackup(ctx.config.backupDir);
  if (!every) out.push({ key: 'backups', light: newest ? 'amber' : 'red', state: 'backups_off', at: newest });
  else if (!newest || now.getTime() - newest.getTime() > 2 * every * hour) out.push({ key: 'backups', light: 'red', state: 'backups_late', at: newest });
  else out.push({ key: 'backups', light: 'green', state: 'backups_ok', at: newest });

  const staff = await ctx.db
    .selectFrom('staff')
    .select([sql<number>`count(*)::int`.as('all'), sql<number>`count(*) filter (where totp_enabled_at is not null)::int`.as('with2fa')])
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  const all = Number(staff.all);
  const with2fa = Number(staff.with2fa);
  out.push({ key: 'staff2fa', light: with2fa === all ? 'green' : 'red', state: with2fa === all ? 'staff2fa_all' : 'staff2fa_missing', params: { n: with2fa, all }, href: '/admin/staff' });

  // Issue 17 (T4): only a passkey resists a phishing page that relays the password and the code in real time.
  const keys = await ctx.db
    .selectFrom('staff')
    .select(sql<number>`count(*) filter (where exists (select 1 from passkey where passkey.staff_id = staff.id))::int`.as('n'))
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  const policy = await ctx.db.selectFrom('staff_passkey_policy').select('required').where('id', '=', 1).executeTakeFirst();
  const withKey = Number(keys.n);
  const required = policy?.required === true;
  const keyLight = withKey === all && all > 0 ? 'green' : required ? 'red' : 'amber';
  out.push({ key: 'passkeys', light: keyLight, state: required ? 'passkeys_required' : 'passkeys_optional', params: { n: withKey, all }, href: '/admin/passkeys' });

  const bans = await sources.bans.store.active(now);
  out.push({ key: 'bans', light: 'green', state: bans.length ? 'bans_some' : 'bans_none', params: { n: bans.length }, href: '/admin/security/bans' });

  // Issue 14: the WAF's heartbeat: requests arrive with the proxy's secret, its audit log is read, nothing goes around it.
  const edge = await edgeHeartbeat(ctx, now);
  const wafParams = { blocked: edge.blocked24h, bypass: edge.bypass24h };
  if (!edge.configured) out.push({ key: 'waf', light: 'grey', state: 'waf_none' });
  else if (edge.wafLog?.error) out.push({ key: 'waf', light: 'red', state: 'waf_log_error', params: { ...wafParams, error: edge.wafLog.error }, at: edge.wafLog.readAt });
  else if (!edge.lastEdgeAt || now.getTime() - edge.lastEdgeAt.getTime() > 15 * 60_000) out.push({ key: 'waf', light: 'amber', state: 'waf_quiet', params: wafParams, at: edge.lastEdgeAt });
  else if (edge.bypass24h > 0) out.push({ key: 'waf', light: 'amber', state: 'waf_bypass', params: wafParams, at: edge.lastEdgeAt });
  else out.push({ key: 'waf', light: 'green', state: 'waf_ok', params: wafParams, at: edge.lastEdgeAt });
  return out;
}
