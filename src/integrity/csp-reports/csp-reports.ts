import { sql } from 'kysely';
import { raiseAlert } from '../../alerts/raise.ts';
import type { Db } from '../../platform/db/database.ts';
import { recordSecurityEvent } from '../../platform/security/event-stream.ts';

/** One violation, reduced to what is safe to keep: paths and origins, never a query, fragment or sample. */
export interface CspViolation {
  documentPath: string;
  directive: string;
  blocked: string;
  sourceFile: string | null;
  disposition: 'enforce' | 'report';
}

const keywordBlocked = /^(inline|eval|wasm-eval|data|blob|self|trusted-types-policy|trusted-types-sink|unsafe-inline|unsafe-eval)$/;

function str(v: unknown, max = 2048): string | null {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null;
}

function truncate(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/**
 * A path without its query or fragment; segments that look like identifiers (order numbers, tokens)
 * become `:id`, so that one row stands for one page and no order number is stored.
 */
export function normalizePath(pathname: string): string {
  const segs = pathname
    .split('/')
    .map((seg) => {
      if (seg === '') return seg;
      let s: string;
      try {
        s = decodeURIComponent(seg);
      } catch {
        s = seg;
      }
      if (/\d{4,}/.test(s) || /^[A-Za-z0-9_-]{20,}$/.test(s) || /^[0-9a-f-]{32,36}$/i.test(s)) return ':id';
      return truncate(s.replace(/[^\p{L}\p{N}._~-]/gu, '_'), 60);
    });
  // an order's page is one page, whatever its number
  if (segs[1] === 'orders' && segs[2]) segs[2] = ':id';
  return truncate(segs.join('/') || '/', 200);
}

/** T6: the payment-related pages, where a new blocked source is raised as a high alert. */
export function isPaymentPage(path: string): boolean {
  return path === '/cart' || path.startsWith('/cart/') || path === '/checkout' || path.startsWith('/checkout/') || path.startsWith('/checkout-') || path.startsWith('/orders/');
}

/** Reduces a blocked-uri to a keyword or an origin. */
export function normalizeBlocked(raw: string | null): string {
  if (!raw) return 'unknown';
  const lower = raw.trim().toLowerCase();
  if (keywordBlocked.test(lower)) return lower.replace(/^unsafe-/, '');
  try {
    const u = new URL(raw);
    // long digit runs (a card number smuggled into a host name) are masked
    if (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:') return truncate(u.origin.replace(/\d{8,}/g, '#'), 200);
    // chrome-extension://id/..., data:, blob: and others: the scheme (and host, if any) only
    return truncate(u.host ? `${u.protocol}//${u.host}` : u.protocol.replace(/:$/, ''), 200);
  } catch {
    return /^[a-z][a-z0-9+.-]{0,30}$/.test(lower) ? lower : 'invalid';
  }
}

function normalizeDirective(raw: string | null): string | null {
  if (!raw) return null;
  const first = raw.trim().split(/\s+/)[0]!.toLowerCase();
  return /^[a-z][a-z-]{1,40}$/.test(first) ? first : null;
}

function normalizeSource(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return truncate(u.protocol.replace(/:$/, ''), 40);
    return truncate(`${u.origin}${normalizePath(u.pathname)}`, 300);
  } catch {
    return null;
  }
}

/**
 * Parses a report body of either format: `application/csp-report` ({"csp-report": {...}}) or the
 * Reporting API's `application/reports+json` ([{type: "csp-violation", url, body: {...}}]). Reports
 * about documents on another origin are dropped (they are not ours, or they are forged).
 */
export function parseCspReports(body: unknown, ownOrigins: ReadonlySet<string>, maxReports = 20): CspViolation[] {
  const raw: Array<Record<string, unknown>> = [];
  if (Array.isArray(body)) {
    for (const r of body.slice(0, maxReports)) {
      if (r && typeof r === 'object' && (r as { type?: unknown }).type === 'csp-violation') {
        const b = (r as { body?: unknown }).body;
        if (b && typeof b === 'object') {
          const o = b as Record<string, unknown>;
          raw.push({ document: o.documentURL ?? (r as { url?: unknown }).url, directive: o.effectiveDirective ?? o.violatedDirective, blocked: o.blockedURL, source: o.sourceFile, disposition: o.disposition });
        }
      }
    }
  } else if (body && typeof body === 'object' && 'csp-report' in body) {
    const o = (body as Record<string, unknown>)['csp-report'];
    if (o && typeof o === 'object') {
      const r = o as Record<string, unknown>;
      raw.push({ document: r['document-uri'], directive: r['effective-directive'] ?? r['violated-directive'], blocked: r['blocked-uri'], source: r['source-file'], disposition: r.disposition });
    }
  }
  const out: CspViolation[] = [];
  for (const r of raw) {
    const doc = str(r.document);
    if (!doc) continue;
    let url: URL;
    try {
      url = new URL(doc);
    } catch {
      continue;
    }
    if (!ownOrigins.has(url.origin)) continue;
    const directive = normalizeDirective(str(r.directive, 200));
    if (!directive) continue;
    out.push({
      documentPath: normalizePath(url.pathname),
      directive,
      blocked: normalizeBlocked(str(r.blocked)),
      sourceFile: normalizeSource(str(r.source)),
      disposition: r.disposition === 'report' ? 'report' : 'enforce',
    });
  }
  return out;
}

const maxRows = 10_000;
const maxNewAlertsPerHour = 20;
let alertWindow = { hour: '', count: 0 };

/**
 * Stores violations de-duplicated by (document path, directive, blocked source): a count and the
 * last time seen. A new blocked source on a payment page raises a high alert (T6: a skimmer being
 * blocked is an attack in progress, or a compromised dependency).
 */
export async function recordCspViolations(db: Db, violations: CspViolation[]): Promise<{ stored: number; alerted: number; newOnPaymentPages: CspViolation[] }> {
  let stored = 0;
  let alerted = 0;
  const newOnPaymentPages: CspViolation[] = [];
  for (const v of violations) {
    const payment = isPaymentPage(v.documentPath);
    recordSecurityEvent(db, { kind: 'csp.report', outcome: 'detected', severity: payment ? 'medium' : 'low', detail: { page: v.documentPath.slice(0, 120), directive: v.directive, blocked: v.blocked.slice(0, 120), paymentPage: payment } });
    const updated = await db
      .updateTable('csp_report')
      .set({ count: sql`count + 1`, last_seen_at: new Date(), source_file: v.sourceFile })
      .where('document_path', '=', v.documentPath)
      .where('directive', '=', v.directive)
      .where('blocked', '=', v.blocked)
      .returning('id')
      .executeTakeFirst();
    if (updated) {
      stored += 1;
      continue;
    }
    // Forged reports must not grow the table without bound.
    const { n } = await db.selectFrom('csp_report').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    if (n >= maxRows) continue;
    const inserted = await db
      .insertInto('csp_report')
      .values({ document_path: v.documentPath, directive: v.directive, blocked: v.blocked, source_file: v.sourceFile, disposition: v.disposition, payment_page: payment })
      .onConflict((oc) => oc.columns(['document_path', 'directive', 'blocked']).doUpdateSet({ count: sql`csp_report.count + 1`, last_seen_at: new Date() }))
      .returning(sql<boolean>`(xmax = 0)`.as('is_new'))
      .executeTakeFirst();
    stored += 1;
    if (!inserted?.is_new || !payment) continue;
    newOnPaymentPages.push(v);
    const hour = new Date().toISOString().slice(0, 13);
    if (alertWindow.hour !== hour) alertWindow = { hour, count: 0 };
    alertWindow.count += 1;
    const flood = alertWindow.count > maxNewAlertsPerHour;
    await raiseAlert(db, {
      kind: 'csp_violation',
      severity: 'high',
      title: flood
        ? '決済関連ページで CSP 違反が多発 / many new CSP violations on payment pages'
        : `決済関連ページで新しいブロック元 / new blocked source on a payment page: ${v.directive} ${v.blocked} (${v.documentPath})`,
      detail: flood ? { hour } : { page: v.documentPath, directive: v.directive, blocked: v.blocked, sourceFile: v.sourceFile, disposition: v.disposition },
      fingerprint: flood ? `csp:flood:${hour}` : `csp:${v.documentPath}:${v.directive}:${v.blocked}`,
    });
    alerted += 1;
  }
  return { stored, alerted, newOnPaymentPages };
}

const exfiltrationDirectives = /^(script-src(-elem|-attr)?|connect-src|form-action|frame-src|child-src|default-src|img-src|worker-src|navigate-to)$/;

/**
 * T1/T6 fail closed: a violation on a payment page that only a skimmer explains: an enforced block of a
 * script, connection, form post, frame or image going to another web origin. Browser extensions
 * (chrome-extension:, moz-extension:) and inline/eval keywords are left to the report list and alert:
 * shoppers' extensions produce them every day, and card checkout must not stop for them.
 */
export function isUnexpectedOnPaymentPage(v: CspViolation): boolean {
  return isPaymentPage(v.documentPath) && v.disposition === 'enforce' && exfiltrationDirectives.test(v.directive) && /^(https?|wss?):\/\//.test(v.blocked);
}

/** A token bucket per client address (in process): `burst` reports at once, refilled at `perSecond`. */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxClients = 10_000,
  ) {}

  take(key: string, now = Date.now()): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxClients) this.sweep(now);
      if (this.buckets.size >= this.maxClients) return false; // under a flood from many addresses, refuse rather than grow
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private sweep(now: number) {
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
  }
}

/** The client's network: IPv4 /24, IPv6 /48 (one attacker rarely controls many of them). */
export function clientNetwork(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/48`;
}

/**
 * T6 vs denial of service: which client networks reported a blocked origin on payment pages in the last
 * 24 hours (in process, bounded). One forged report must not stop card checkout; the same origin from
 * several networks is what a real skimmer on real shoppers' browsers looks like.
 */
export class CspReporters {
  private seen = new Map<string, Map<string, number>>();
  constructor(private readonly maxOrigins = 1_000, private readonly maxNetworks = 100) {}

  /** Records the report and returns how many distinct networks reported this origin within 24 hours. */
  add(blocked: string, ip: string, now = Date.now()): number {
    const since = now - 24 * 3600_000;
    let nets = this.seen.get(blocked);
    if (!nets) {
      if (this.seen.size >= this.maxOrigins) this.sweep(since);
      if (this.seen.size >= this.maxOrigins) return 0; // under a flood of forged origins, refuse rather than grow
      nets = new Map();
      this.seen.set(blocked, nets);
    }
    for (const [n, at] of nets) if (at < since) nets.delete(n);
    const net = clientNetwork(ip);
    if (nets.has(net) || nets.size < this.maxNetworks) nets.set(net, now);
    return nets.size;
  }

  private sweep(since: number) {
    for (const [origin, nets] of this.seen) if (![...nets.values()].some((at) => at >= since)) this.seen.delete(origin);
  }
}
