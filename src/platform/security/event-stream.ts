import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { expandV6, plainAddress } from '../http/networks.ts';
import { maskCardNumbers } from '../card-numbers/card-numbers.ts';

/**
 * The one channel for security-relevant events (issue 12). Emitters call `recordSecurityEvent` /
 * `recordRequestEvent`; the call only validates and queues (no I/O on the request path). Subscribers
 * (detectors) get each event synchronously in process; a writer stores them in batches.
 */
export const securityEventKinds = [
  'auth.sign_in.success',
  'auth.sign_in.failure',
  'auth.lockout',
  'auth.throttled',
  'auth.2fa.failure',
  'auth.recovery_code.used',
  'auth.step_up.failure',
  'auth.passkey.added',
  'auth.passkey.removed',
  'auth.passkey.failure',
  'auth.passkey.fallback',
  'auth.password_reset.requested',
  'access.permission_denied',
  'card_guard.refused',
  'payment.card_declined',
  'payment.3ds_failed',
  'payment.card_testing_limit',
  'payment.card_started',
  'payment.card_paid',
  'csp.report',
  'integrity.finding',
  'page_watch.finding',
  'pan_scan.find',
  'pii.reveal',
  'export.created',
  'script_inventory.changed',
  'settings.changed',
  'request.attack',
  'probe.not_found_burst',
  'ban.added',
  'ban.removed',
  'security_events.dropped',
  'watchdog.silence',
  'host.unexpected',
  'auth.stuffing_distributed',
  'auth.common_passwords',
  'payment.card_testing',
  'staff.anomaly',
  'edge.bypass',
  'waf.blocked',
  'csp.spike',
  'malware_scan.find',
  'drill.run',
] as const;
export type SecurityEventKind = (typeof securityEventKinds)[number];
export type SecuritySeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type SecurityOutcome = 'success' | 'failure' | 'refused' | 'detected' | 'done';
export type DetailValue = string | number | boolean | null | readonly string[];

export interface SecurityEventInput {
  kind: SecurityEventKind;
  severity?: SecuritySeverity;
  outcome?: SecurityOutcome;
  /** The client address (stored for bans and investigation; masked in views without unmasked access). */
  ip?: string | null;
  actor?: { kind: 'customer' | 'staff'; id: number } | null;
  /** The account name as typed (e-mail): stored only as a keyed hash, so failures on one account can be grouped. */
  account?: string | null;
  requestId?: string | null;
  /** Small and structured: codes, counts, routes, hashes. Never personal data in clear, never a card number. */
  detail?: Record<string, DetailValue>;
}

export interface SecurityEvent {
  at: Date;
  kind: SecurityEventKind;
  severity: SecuritySeverity;
  outcome: SecurityOutcome;
  ip: string | null;
  network: string | null;
  actorKind: 'customer' | 'staff' | null;
  actorId: number | null;
  subject: string | null;
  requestId: string | null;
  detail: Record<string, DetailValue>;
}

const defaultSeverity: Partial<Record<SecurityEventKind, SecuritySeverity>> = {
  'auth.sign_in.success': 'info',
  'auth.sign_in.failure': 'low',
  'auth.lockout': 'medium',
  'auth.throttled': 'medium',
  'auth.2fa.failure': 'medium',
  'auth.recovery_code.used': 'medium',
  'auth.step_up.failure': 'medium',
  'auth.passkey.added': 'low',
  'auth.passkey.removed': 'medium',
  'auth.passkey.failure': 'medium',
  // T4: with passkeys required, a TOTP or recovery code is the way back for a lost passkey, or a relayed phish.
  'auth.passkey.fallback': 'high',
  'auth.password_reset.requested': 'info',
  'access.permission_denied': 'medium',
  'card_guard.refused': 'high',
  'payment.card_declined': 'low',
  'payment.3ds_failed': 'low',
  'payment.card_testing_limit': 'high',
  'payment.card_started': 'info',
  'payment.card_paid': 'info',
  'csp.report': 'low',
  'integrity.finding': 'critical',
  'page_watch.finding': 'critical',
  'pan_scan.find': 'critical',
  'pii.reveal': 'info',
  'export.created': 'medium',
  'script_inventory.changed': 'medium',
  'settings.changed': 'low',
  'request.attack': 'medium',
  'probe.not_found_burst': 'medium',
  'ban.added': 'medium',
  'ban.removed': 'low',
  'security_events.dropped': 'high',
  'watchdog.silence': 'high',
  'host.unexpected': 'critical',
  'auth.stuffing_distributed': 'high',
  'auth.common_passwords': 'high',
  'payment.card_testing': 'high',
  'staff.anomaly': 'high',
  'edge.bypass': 'high',
  'waf.blocked': 'medium',
  'csp.spike': 'high',
  'malware_scan.find': 'critical',
  'drill.run': 'info',
};

/**
 * The network an attacker pays for, as bans and views group it: IPv4 /24, IPv6 /64 (a subscriber
 * gets a whole /64). IPv4-mapped IPv6 addresses count as IPv4.
 */
export function networkOf(ip: string): string | null {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/i.exec(ip);
  if (v4 && isIP(ip.replace(/^::ffff:/i, '')) === 4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (isIP(ip) !== 6) return null;
  return `${expandV6(ip).slice(0, 4).join(':')}::/64`;
}

const maxDetailChars = 2000;

/** T2/T3: detail is cut to a small size and any card-number-shaped digits are masked before it is queued. */
function cleanDetail(detail: Record<string, DetailValue> | undefined): Record<string, DetailValue> {
  if (!detail) return {};
  const out: Record<string, DetailValue> = {};
  let size = 0;
  for (const [k, v] of Object.entries(detail).slice(0, 30)) {
    const clean = (s: string) => maskCardNumbers(s.length > 300 ? `${s.slice(0, 300)}…` : s);
    const value: DetailValue = typeof v === 'string' ? clean(v) : Array.isArray(v) ? v.slice(0, 20).map((s) => clean(String(s))) : (v as DetailValue);
    size += k.length + JSON.stringify(value).length;
    if (size > maxDetailChars) {
      out.truncated = true;
      break;
    }
    out[k.slice(0, 60)] = value;
  }
  return out;
}

/** The subject of an account name (events, account bans): its keyed hash (the vault's blind index), never the name. */
export function accountSubject(index: (normalized: string) => string, account: string): string {
  return index(account.normalize('NFKC').trim().toLowerCase()).slice(0, 32);
}

export type SecurityEventSubscriber = (event: SecurityEvent) => void;

export interface StreamStats {
  recorded: number;
  written: number;
  dropped: number;
  failedWrites: number;
  buffered: number;
}

export interface StreamOptions {
  /** Stores a batch; throws to keep it for the next round. */
  write(events: SecurityEvent[]): Promise<void>;
  log: Logger;
  /** The keyed hash of an account name (the vault's blind index): failures on one account group without the name. */
  subjectHash(account: string): string;
  maxBuffer?: number;
  batchSize?: number;
  flushMs?: number;
}

/**
 * Bounded, batched, asynchronous. When the buffer is full (the database is down or far behind) new
 * events are dropped and counted; the count is itself written as a `security_events.dropped` event
 * once writing works again, so a loss is never silent.
 */
export class SecurityEventStream {
  private buffer: SecurityEvent[] = [];
  private subscribers = new Set<SecurityEventSubscriber>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private droppedUnreported = 0;
  private lastWarning = 0;
  private closed = false;
  readonly stats: StreamStats = { recorded: 0, written: 0, dropped: 0, failedWrites: 0, buffered: 0 };
  private readonly maxBuffer: number;
  private readonly batchSize: number;
  private readonly flushMs: number;

  constructor(private readonly opts: StreamOptions) {
    this.maxBuffer = opts.maxBuffer ?? 10_000;
    this.batchSize = opts.batchSize ?? 500;
    this.flushMs = opts.flushMs ?? 200;
  }

  subscribe(fn: SecurityEventSubscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  subjectHash(account: string): string {
    return accountSubject(this.opts.subjectHash, account);
  }

  record(input: SecurityEventInput): SecurityEvent {
    const ip = input.ip ? plainAddress(input.ip) : null;
    const event: SecurityEvent = {
      at: new Date(),
      kind: input.kind,
      severity: input.severity ?? defaultSeverity[input.kind] ?? 'info',
      outcome: input.outcome ?? 'detected',
      ip,
      network: ip ? networkOf(ip) : null,
      actorKind: input.actor?.kind ?? null,
      actorId: input.actor?.id ?? null,
      subject: input.account ? this.subjectHash(input.account) : null,
      requestId: input.requestId ?? null,
      detail: cleanDetail(input.detail),
    };
    this.stats.recorded++;
    for (const fn of this.subscribers) {
      try {
        fn(event);
      } catch (err) {
        this.opts.log.error({ err, kind: event.kind }, 'security event subscriber failed');
      }
    }
    this.enqueue(event);
    return event;
  }

  private enqueue(event: SecurityEvent) {
    if (this.closed || this.buffer.length >= this.maxBuffer) {
      this.stats.dropped++;
      this.droppedUnreported++;
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.opts.log.warn({ dropped: this.stats.dropped, buffered: this.buffer.length }, 'security events dropped: buffer full');
      }
      return;
    }
    this.buffer.push(event);
    this.stats.buffered = this.buffer.length;
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered now (tests, shutdown); resolves when the buffer is empty or a write failed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.buffer.length && !this.droppedUnreported) return;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async writeAll() {
    while (this.buffer.length || this.droppedUnreported) {
      if (this.droppedUnreported && this.buffer.length < this.maxBuffer) {
        const n = this.droppedUnreported;
        this.droppedUnreported = 0;
        this.buffer.push({ ...this.blank('security_events.dropped'), detail: { dropped: n } });
      }
      const batch = this.buffer.slice(0, this.batchSize);
      try {
        await this.opts.write(batch);
      } catch (err) {
        this.stats.failedWrites++;
        if (Date.now() - this.lastWarning > 60_000) {
          this.lastWarning = Date.now();
          this.opts.log.warn({ err: (err as Error).message, buffered: this.buffer.length }, 'security events not written yet; kept for the next round');
        }
        // retried by the next event or the periodic flush
        if (!this.timer && !this.closed) {
          this.timer = setTimeout(() => {
            this.timer = null;
            void this.flush();
          }, 2000);
          this.timer.unref();
        }
        return;
      }
      this.buffer.splice(0, batch.length);
      this.stats.written += batch.length;
      this.stats.buffered = this.buffer.length;
    }
  }

  private blank(kind: SecurityEventKind): SecurityEvent {
    return { at: new Date(), kind, severity: defaultSeverity[kind] ?? 'info', outcome: 'detected', ip: null, network: null, actorKind: null, actorId: null, subject: null, requestId: null, detail: {} };
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush().catch(() => {});
    this.closed = true;
    this.subscribers.clear();
  }
}

// Streams by the handles emitters hold (the AppContext, its db, the Fastify request); the latest
// started stream answers for any other handle (one store per process in production).
const registry = new WeakMap<object, SecurityEventStream>();
let latest: SecurityEventStream | null = null;
const requestStream = Symbol('securityEventStream');
let orphanDrops = 0;

export function attachSecurityEventStream(stream: SecurityEventStream, handles: object[]): void {
  for (const h of handles) registry.set(h, stream);
  latest = stream;
}

export function detachSecurityEventStream(stream: SecurityEventStream): void {
  if (latest === stream) latest = null;
}

export function bindRequestStream(req: FastifyRequest, stream: SecurityEventStream): void {
  (req as unknown as Record<symbol, SecurityEventStream>)[requestStream] = stream;
}

export function securityEventStreamOf(handle: object | null | undefined): SecurityEventStream | null {
  if (handle) {
    const own = (handle as Record<symbol, SecurityEventStream | undefined>)[requestStream] ?? registry.get(handle);
    if (own) return own;
  }
  return latest;
}

/** Records an event through the store's stream; never throws and never waits. */
export function recordSecurityEvent(handle: object | null | undefined, input: SecurityEventInput): void {
  const stream = securityEventStreamOf(handle);
  if (!stream) {
    orphanDrops++;
    return;
  }
  try {
    stream.record(input);
  } catch {
    orphanDrops++;
  }
}

/** Events recorded while no stream existed (CLI, a unit test without a store). */
export function orphanSecurityEvents(): number {
  return orphanDrops;
}

/** From a request: the client address, request id and signed-in customer or staff member are filled in. */
export function recordRequestEvent(req: FastifyRequest, input: Omit<SecurityEventInput, 'ip' | 'requestId'> & { ip?: string }): void {
  const actor = input.actor !== undefined ? input.actor : req.staff ? { kind: 'staff' as const, id: req.staff.id } : req.customer ? { kind: 'customer' as const, id: req.customer.id } : null;
  recordSecurityEvent(req, { ...input, ip: input.ip ?? req.ip, requestId: String(req.id), actor });
}
