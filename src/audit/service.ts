import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import { appendAudit, auditChannel, genesisHash, type AuditInput, type AuditRecord } from './chain.ts';
import { keyId, loadSigningKey, signCheckpoint } from './keys.ts';
import { AuditSink, auditDir } from './sink.ts';
import { verifyAudit, type AuditVerifyResult } from './verify.ts';

export interface AuditCheckpoint {
  id: number;
  seq: number;
  hash: string;
  at: Date;
  key_id: string;
  signature: string;
}

export interface AuditService {
  /** Appends an entry in its own transaction (for hooks and failures); inside a transaction use appendAudit(trx, ...). */
  record(input: AuditInput): Promise<AuditRecord>;
  /** Fire-and-forget from a hook: errors are logged, settled() waits for it. */
  recordLater(input: AuditInput): void;
  /** Resolves when every recordLater so far has been written, and the JSON-lines files have caught up. */
  settled(): Promise<void>;
  /** Signs the chain's tail now. Without `force`, skipped (null) when nothing was appended since the last checkpoint. */
  checkpoint(opts?: { force?: boolean }): Promise<AuditCheckpoint | null>;
  /** Verifies the chain, the checkpoints and (when the sink is on) the JSON-lines copy; a failure raises a critical alert. */
  verifyNow(): Promise<AuditVerifyResult>;
  lastVerification(): AuditVerifyResult | null;
  /** Writes committed entries not yet in DATA_DIR/audit (also done on every commit's NOTIFY and every minute). */
  flush(): Promise<void>;
  /** Registers the schedule (checkpoint, verification, sink) and the NOTIFY listener; idempotent. */
  start(): void;
  stop(): Promise<void>;
}

/** Creates and stores a signed checkpoint of the chain's tail (also used by the CLI). */
export async function createCheckpoint(db: Db, config: AppContext['config'], opts: { force?: boolean } = {}): Promise<AuditCheckpoint | null> {
  const key = loadSigningKey(config, { create: true })!;
  const tail = await db.selectFrom('audit_entry').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const seq = tail ? Number(tail.seq) : 0;
  const hash = tail?.hash ?? genesisHash;
  if (!opts.force) {
    const last = await db.selectFrom('audit_checkpoint').select(['seq', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (last && Number(last.seq) === seq && last.hash === hash) return null;
  }
  const body = { seq, hash, at: new Date(), key_id: keyId(key.publicKey) };
  const signature = signCheckpoint(body, key.privateKey);
  const row = await db.insertInto('audit_checkpoint').values({ ...body, signature }).returning('id').executeTakeFirstOrThrow();
  return { id: Number(row.id), ...body, signature };
}

/** The hash-chained audit trail of a running store: created once by createServices, started and stopped by boot. */
/**
 * How the trail raises its alert (a failed verification): alerts/raise.ts, handed in by the composition root
 * (issue 11: audit/ sits below alerts/, whose pages record staff actions in the trail).
 */
export type RaiseAlert = (db: Db, alert: { kind: string; severity: 'critical'; title: string; detail: Record<string, unknown>; fingerprint: string }) => Promise<unknown>;

export function createAudit(ctx: AppContext, deps: { raiseAlert: RaiseAlert }): AuditService {
  const { raiseAlert } = deps;
  const { db, log, config } = ctx;
  const sink = config.auditJsonl ? new AuditSink(db, auditDir(config.dataDir), log) : null;
  const pending = new Set<Promise<unknown>>();
  let last: AuditVerifyResult | null = null;
  let highestCheckpointSeen = 0;
  let started = false;
  let unlisten: (() => Promise<void>) | null = null;

  async function flush() {
    await sink?.flush();
  }

  async function verifyNow(): Promise<AuditVerifyResult> {
    const r = await verifyAudit(db, config, { jsonl: sink !== null });
    // This process saw a checkpoint covering more than the table now has: checkpoint rows were deleted.
    if ((r.lastCheckpointSeq ?? 0) < highestCheckpointSeen) {
      r.findings.push({ kind: 'truncated', seq: r.lastCheckpointSeq ?? 0, message: `checkpoints up to entry ${highestCheckpointSeen} were seen by this instance but are gone from the database` });
      r.ok = false;
    }
    highestCheckpointSeen = Math.max(highestCheckpointSeen, r.lastCheckpointSeq ?? 0);
    last = r;
    if (!r.ok) {
      log.error({ findings: r.findings.slice(0, 20), firstBrokenSeq: r.firstBrokenSeq }, 'audit: verification FAILED');
      const kinds = [...new Set(r.findings.map((f) => f.kind))].sort();
      await raiseAlert(db, {
        kind: 'audit_integrity',
        severity: 'critical',
        title: '監査ログの改ざんを検知 / audit log tampering detected',
        detail: { findings: r.findings.length + r.moreFindings, kinds, firstBrokenSeq: r.firstBrokenSeq, tailSeq: r.tailSeq, lastCheckpointSeq: r.lastCheckpointSeq, first: r.findings[0]?.message ?? null },
        fingerprint: `audit:verify:${kinds.join(',')}:${r.firstBrokenSeq ?? ''}`,
      });
      await appendAudit(db, { actor: { type: 'system' }, action: 'audit.verify_failed', result: 'failed', detail: { kinds, findings: r.findings.length + r.moreFindings, firstBrokenSeq: r.firstBrokenSeq } });
      void flush().catch(() => undefined);
    }
    return r;
  }

  const service: AuditService = {
    async record(input) {
      const r = await appendAudit(db, input);
      void flush().catch(() => undefined);
      return r;
    },
    recordLater(input) {
      const p = service.record(input).catch((err: unknown) => log.error({ err, action: input.action }, 'audit: could not record an entry'));
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async settled() {
      while (pending.size) await Promise.allSettled([...pending]);
      await flush();
    },
    async checkpoint(opts = {}) {
      const cp = await createCheckpoint(db, config, opts);
      if (cp) {
        highestCheckpointSeen = Math.max(highestCheckpointSeen, cp.seq);
        await sink?.writeCheckpoint(cp);
      }
      return cp;
    },
    verifyNow,
    lastVerification: () => last,
    flush,
    start() {
      if (started) return;
      started = true;
      // T3/T4 and PCI DSS 10.3.4: the log's integrity is checked on a schedule, and a failure pages the owners.
      ctx.scheduler.every('audit-checkpoint', config.auditCheckpointMinutes * 60_000, async () => void (await service.checkpoint()), { single: true });
      ctx.scheduler.every('audit-verify', config.auditVerifyMinutes * 60_000, async () => void (await verifyNow()), { single: true });
      if (sink) {
        ctx.scheduler.every('audit-sink', 60_000, flush, { single: false, runAtStart: true });
        ctx.database.listen(auditChannel, () => void sink.kick()).then(
          (fn) => {
            unlisten = fn;
            if (!started) void fn();
          },
          (err: unknown) => log.error({ err }, 'audit: could not listen for new entries; the sink catches up every minute'),
        );
      }
    },
    async stop() {
      started = false;
      await service.settled().catch(() => undefined);
      await unlisten?.();
      unlisten = null;
    },
  };
  return service;
}

