import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { raiseAlert } from '../alerts/raise.ts';
import type { AppContext } from '../platform/context.ts';
import { integrityConfig, type IntegrityConfig } from './config.ts';
import { createBaseline, loadManifest, TreeVerifier, type Discrepancy, type VerifyResult } from './files/manifest.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordStaffAction, type StaffRef } from '../audit/record.ts';
import { CspReporters, type CspViolation } from './csp-reports/csp-reports.ts';
import { PageWatcher, type PageWatchProblem } from './page-watch/page-watch.ts';
import { watchTree, type TreeWatch } from './files/file-watch.ts';
import type { FindingKind } from './tables.ts';

/** Why card checkout is off; a code only (shown by /healthz), never a path or a detail. */
export type CardCheckoutReason =
  | 'not_verified'
  | 'no_baseline'
  | 'bad_signature'
  | 'files_changed'
  | 'unacknowledged_findings'
  | 'verify_error'
  | PageWatchProblem
  | 'csp_violation'
  /** not a reason for off: card checkout stays on while the watcher cannot shop (nothing purchasable) */
  | 'cannot_shop';

export interface IntegrityRound {
  at: Date;
  ms: number;
  files: number;
  hashed: number;
  full: boolean;
  problem: 'no_baseline' | 'bad_signature' | 'files_changed' | 'verify_error' | null;
  discrepancies: Discrepancy[];
}

export interface IntegrityStatus {
  allowed: boolean;
  reason?: CardCheckoutReason;
  lastRound: IntegrityRound | null;
  manifest: { createdAt: string; files: number; digest: string } | null;
  openFindings: number;
  root: string;
  intervalSeconds: number;
  /** Whether the file watcher runs (changes found in seconds); false: only the periodic rounds. */
  watching: boolean;
}

export interface IntegrityService {
  readonly config: IntegrityConfig;
  /**
   * T1 fail closed: card checkout (the hosted payment page hand-off, when it exists) must ask this
   * first and refuse unless allowed. Allowed only when the last verification of the deployed tree
   * against a validly signed manifest was clean and no finding is unacknowledged.
   */
  cardCheckoutAllowed(): { allowed: boolean; reason?: CardCheckoutReason };
  status(): IntegrityStatus;
  /** One verification round now (the schedule calls this too); `full` hashes every file. */
  verifyNow(opts?: { full?: boolean }): Promise<IntegrityRound>;
  /** An owner has looked at a finding; recorded with who and a note. Returns false if there was none open. */
  acknowledge(findingId: number, staff: StaffRef, note: string, req?: Pick<FastifyRequest, 'ip' | 'headers'>): Promise<boolean>;
  /** Registers the schedule (first round at once) and the file watcher; idempotent. */
  start(): void;
  /** Stops the file watcher (the store is closing). */
  stop(): void;
  /** Verifies just these paths now (what the file watcher calls after a change). */
  verifyChanged(paths: string[]): Promise<Discrepancy[]>;
  /** The payment-page watcher; it starts when the server listens (`attachPageWatch`). */
  readonly pageWatch: PageWatcher;
  attachPageWatch(app: FastifyInstance): void;
  /** T1/T6: an unexpected CSP violation on a payment page is a finding (its alert is raised by the CSP module). */
  recordCspFinding(v: CspViolation): Promise<void>;
  /**
   * An unauthenticated report of an unexpected violation on a payment page: it triggers a page-watch round
   * at once, and opens a finding only once `cspFindingMinClients` networks have reported the same origin.
   */
  cspReported(v: CspViolation, clientIp: string): Promise<'finding' | 'watching'>;
  /**
   * Issue 15: the malware scan found a web shell or skimmer in a served file. It becomes an open finding (card
   * checkout fails closed at once); the scan raises its own alert, so none is raised here.
   */
  recordMalwareFindings(files: Array<{ path: string; sha256: string | null }>): Promise<void>;
}

const maxAlertsPerRound = 20;
const instance = `${hostname()}:${process.pid}`.slice(0, 100);

/** Control characters out, length capped: file names are attacker-chosen and end up in mail subjects. */
function printable(s: string, max = 200): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

const kindTitle: Record<FindingKind, string> = {
  modified: 'ファイル改ざん検知 / file modified',
  added: '不明なファイルの追加 / unexpected new file',
  removed: 'ファイルの削除 / file removed',
  bad_signature: '整合性マニフェストの署名不正 / integrity manifest signature invalid',
  manifest_missing: '整合性マニフェストの消失 / integrity manifest missing',
  page_changed: '決済ページの改ざん検知 / payment page changed',
  csp_violation: '決済ページでの CSP 違反 / CSP violation on a payment page',
  malware: '不正プログラム(Web シェル・スキマー)の検知 / web shell or skimmer found',
};

export function createIntegrity(ctx: AppContext, cfg: IntegrityConfig = integrityConfig(ctx.config)): IntegrityService {
  const { db, log } = ctx;
  let verifier: TreeVerifier | null = null;
  let manifestDigest: string | null = null;
  let manifestInfo: IntegrityStatus['manifest'] = null;
  let manifestStat = '';
  let hadManifest = false;
  let lastRound: IntegrityRound | null = null;
  let openFindings = 0;
  let openKinds = new Set<FindingKind>();
  let rounds = 0;
  let running: Promise<IntegrityRound> | null = null;
  let started = false;
  let firstRound = true;
  let treeWatch: TreeWatch | null = null;

  // The embedded demo has no deploy step: its first start (a fresh on-disk database) takes the baseline.
  // Anywhere else a baseline taken by the running store would bless whatever is on disk now, including a
  // web shell: production baselines come from `omamori integrity baseline` at deploy time.
  const demo = ctx.database.kind === 'pglite' && !ctx.config.production && existsSync(join(ctx.config.dataDir, 'pgdata'));

  function state(): { allowed: boolean; reason?: CardCheckoutReason } {
    if (!lastRound) return { allowed: false, reason: 'not_verified' };
    if (lastRound.problem) return { allowed: false, reason: lastRound.problem };
    const pages = pageWatch.problem();
    if (pages) return { allowed: false, reason: pages };
    if (openFindings > 0) return { allowed: false, reason: openKinds.has('page_changed') ? 'pages_changed' : openKinds.has('csp_violation') ? 'csp_violation' : 'unacknowledged_findings' };
    // Shop state (sold out, stock held) is reported, never a reason to switch card checkout off.
    if (pageWatch.condition()) return { allowed: true, reason: 'cannot_shop' };
    return { allowed: true };
  }

  async function countOpen(): Promise<void> {
    const rows = await db.selectFrom('integrity_finding').select(['kind', sql<number>`count(*)::int`.as('n')]).where('acknowledged_at', 'is', null).groupBy('kind').execute();
    openFindings = rows.reduce((n, r) => n + r.n, 0);
    openKinds = new Set(rows.map((r) => r.kind));
  }

  async function record(findings: Array<{ kind: FindingKind; path: string; expected: string | null; observed: string | null }>, opts: { alert?: boolean } = {}): Promise<void> {
    let alerted = 0;
    let suppressed = 0;
    for (const f of findings) {
      const path = printable(f.path, 500);
      const open = await db
        .updateTable('integrity_finding')
        .set({ last_seen_at: new Date(), observed_sha256: f.observed, instance })
        .where('kind', '=', f.kind)
        .where('path', '=', path)
        .where('acknowledged_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (open) continue;
      // An owner already acknowledged exactly this state of the file: not new (the state stays
      // "files_changed" until the tree matches a baseline again).
      const seen = await db
        .selectFrom('integrity_finding')
        .select('id')
        .where('kind', '=', f.kind)
        .where('path', '=', path)
        .where('observed_sha256', f.observed === null ? 'is' : '=', f.observed)
        .where('acknowledged_at', 'is not', null)
        .executeTakeFirst();
      if (seen) continue;
      const inserted = await db
        .insertInto('integrity_finding')
        .values({ kind: f.kind, path, expected_sha256: f.expected, observed_sha256: f.observed, instance })
        .onConflict((oc) => oc.columns(['kind', 'path']).where('acknowledged_at', 'is', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) continue; // another instance recorded it a moment ago
      // T1 fail closed at once: card checkout stops as soon as the finding exists, not at the end of the round.
      openFindings += 1;
      openKinds.add(f.kind);
      log.error({ kind: f.kind, path }, 'integrity finding');
      if (opts.alert === false) continue;
      if (alerted >= maxAlertsPerRound) {
        suppressed += 1;
        continue;
      }
      alerted += 1;
      // T1/T3: a changed or new file in the deployed tree is an incident until an owner says otherwise.
      await raiseAlert(db, {
        kind: 'integrity',
        severity: 'critical',
        title: `${kindTitle[f.kind]}: ${printable(path, 150)}`,
        detail: { finding: inserted.id, kind: f.kind, path, expectedSha256: f.expected, observedSha256: f.observed, instance },
        fingerprint: `integrity:${f.kind}:${path}:${f.observed ?? ''}`,
      });
    }
    if (suppressed > 0) {
      await raiseAlert(db, {
        kind: 'integrity',
        severity: 'critical',
        title: `ファイル改ざん検知: ほか ${suppressed} 件 / ${suppressed} more integrity findings`,
        detail: { more: suppressed, instance },
        fingerprint: `integrity:many:${new Date().toISOString().slice(0, 13)}`,
      });
    }
  }

  function manifestFileStat(): string {
    try {
      const a = statSync(cfg.manifestPath);
      const b = statSync(cfg.signaturePath);
      return [a.size, a.mtimeMs, a.ctimeMs, a.ino, b.size, b.mtimeMs, b.ctimeMs, b.ino].join(':');
    } catch {
      return 'missing';
    }
  }

  async function round(full: boolean): Promise<IntegrityRound> {
    const t0 = performance.now();
    const done = (problem: IntegrityRound['problem'], r?: VerifyResult): IntegrityRound => ({
      at: new Date(),
      ms: performance.now() - t0,
      files: r?.files ?? 0,
      hashed: r?.hashed ?? 0,
      full: r?.full ?? full,
      problem,
      discrepancies: r?.discrepancies ?? [],
    });
    const isFirst = firstRound;
    firstRound = false;

    // Re-read and re-check the manifest's signature only when its files changed on disk.
    const st = manifestFileStat();
    if (st !== manifestStat || !verifier) {
      let loaded = loadManifest(cfg);
      if (loaded.status === 'missing' && isFirst && demo) {
        const made = await createBaseline(cfg);
        log.warn({ files: made.files, ms: Math.round(made.ms), manifest: cfg.manifestPath }, 'integrity: embedded demo, first start: baseline of the code tree created');
        loaded = loadManifest(cfg);
      }
      manifestStat = manifestFileStat();
      if (loaded.status === 'missing') {
        verifier = null;
        manifestInfo = null;
        if (hadManifest) {
          await record([{ kind: 'manifest_missing', path: 'manifest.json', expected: manifestDigest, observed: null }]);
        } else if (isFirst) {
          log.error({ manifest: cfg.manifestPath }, 'integrity: no baseline; card checkout stays disabled until `omamori integrity baseline` has run');
          if (ctx.config.production) {
            await raiseAlert(db, { kind: 'integrity', severity: 'high', title: '整合性ベースラインがありません / no integrity baseline', detail: { manifest: cfg.manifestPath }, fingerprint: 'integrity:no-baseline' });
          }
        }
        await countOpen();
        return done('no_baseline');
      }
      if (loaded.status === 'bad_signature') {
        verifier = null;
        manifestInfo = null;
        log.error({ reason: loaded.reason }, 'integrity: manifest signature invalid');
        await record([{ kind: 'bad_signature', path: 'manifest.json', expected: manifestDigest, observed: loaded.digest }]);
        await countOpen();
        return done('bad_signature');
      }
      if (manifestDigest !== null && manifestDigest !== loaded.digest) {
        // A new baseline is legitimate after a deploy, and exactly what an intruder with the key would do: make it visible.
        await raiseAlert(db, {
          kind: 'integrity_baseline',
          severity: 'high',
          title: '整合性ベースラインが更新されました / integrity baseline replaced',
          detail: { createdAt: loaded.manifest.createdAt, files: Object.keys(loaded.manifest.files).length, instance },
          fingerprint: `integrity:baseline:${loaded.digest}`,
        });
      }
      manifestDigest = loaded.digest;
      manifestInfo = { createdAt: loaded.manifest.createdAt, files: Object.keys(loaded.manifest.files).length, digest: loaded.digest.slice(0, 16) };
      hadManifest = true;
      verifier = new TreeVerifier(cfg.root, loaded.manifest);
      full = true;
    }
    rounds += 1;
    const r = await verifier.verify({ full: full || rounds % cfg.fullHashEvery === 0 });
    if (r.discrepancies.length) await record(r.discrepancies);
    await countOpen();
    return done(r.discrepancies.length ? 'files_changed' : null, r);
  }

  /**
   * Started once a signed baseline is loaded (without one card checkout is off anyway). node_modules is
   * left to the periodic rounds: watching its thousand folders costs a blocking walk at start.
   */
  function startWatching(): void {
    const scope = cfg.scope.filter((p) => p.replace(/^\.?\/+|\/+$/g, '').split('/')[0] !== 'node_modules');
    treeWatch = watchTree(cfg.root, scope, { debounceMs: cfg.watchDebounceMs, maxDelayMs: 2000, log, onChange: async (paths) => void (await verifyChanged(paths)) });
  }

  /** Issue 12: a changed file is verified against the manifest at once, not at the next round (T1: fail closed in seconds). */
  async function verifyChanged(paths: string[]): Promise<Discrepancy[]> {
    while (running) await running.catch(() => undefined);
    const v = verifier;
    if (!v || !lastRound) return []; // no verified baseline yet: card checkout is off anyway
    const t0 = performance.now();
    let found: Discrepancy[] = [];
    running = (async () => {
      found = await v.verifyPaths(paths);
      if (!found.length) return lastRound!;
      await record(found);
      await countOpen();
      lastRound = { at: new Date(), ms: performance.now() - t0, files: lastRound?.files ?? 0, hashed: paths.length, full: false, problem: 'files_changed', discrepancies: found };
      log.error({ paths: found.length, ms: Math.round(performance.now() - t0) }, 'integrity: changed files found by the file watcher');
      return lastRound;
    })().finally(() => {
      running = null;
    });
    await running.catch((err: unknown) => log.error({ err }, 'integrity: checking changed files failed'));
    return found;
  }

  async function verifyNow(opts: { full?: boolean } = {}): Promise<IntegrityRound> {
    // Rounds never overlap: a slow round makes the next tick wait for it instead of starting another.
    while (running) await running.catch(() => undefined);
    running = round(opts.full ?? false)
      .catch((err: unknown) => {
        log.error({ err }, 'integrity verification failed');
        return { at: new Date(), ms: 0, files: 0, hashed: 0, full: false, problem: 'verify_error' as const, discrepancies: [] };
      })
      .then((r) => {
        lastRound = r;
        if (verifier && started && cfg.watch && !treeWatch) startWatching();
        return r;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  const pageWatch = new PageWatcher(ctx, cfg, {
    async filesVerified() {
      if (!lastRound) await (running ?? verifyNow()).catch(() => undefined);
      return lastRound?.problem === null;
    },
    async recordPageFindings(differences) {
      // T1/T6: the page as served differs from the approved render: a skimmer, a proxy rewriting pages, a header dropped.
      await record(differences.map((d) => ({ kind: 'page_changed' as const, path: `${d.page}: ${d.what}`, expected: null, observed: d.observed === null ? null : createHash('sha256').update(d.observed).digest('hex') })));
      await countOpen();
    },
  });

  const cspReporters = new CspReporters();
  let lastCspTriggeredRound = 0;
  async function recordCspFinding(v: CspViolation): Promise<void> {
    await record([{ kind: 'csp_violation', path: `${v.documentPath}: ${v.directive} ${v.blocked}`, expected: null, observed: null }], { alert: false });
    await countOpen();
  }

  return {
    config: cfg,
    pageWatch,
    attachPageWatch: (app) => pageWatch.attach(app),
    recordCspFinding,
    async cspReported(v, clientIp) {
      // T6 vs denial of service: anyone can post a report, so one report alone must not be a switch that stops card checkout.
      if (cspReporters.add(v.blocked, clientIp) >= cfg.cspFindingMinClients) {
        await recordCspFinding(v);
        return 'finding';
      }
      // A real skimmer changes what the payment pages serve: the watcher sees it now, not at its next tick.
      // At most one triggered round a minute, so that forged reports cannot keep the watcher busy.
      if (pageWatch.problem() !== undefined && Date.now() - lastCspTriggeredRound > 60_000) {
        lastCspTriggeredRound = Date.now();
        void pageWatch.runNow().catch(() => undefined);
      }
      return 'watching';
    },
    async recordMalwareFindings(files) {
      // T1/T3: a served file carrying a web shell or skimmer stops card checkout until an owner acknowledges it.
      await record(files.map((f) => ({ kind: 'malware' as const, path: f.path, expected: null, observed: f.sha256 })), { alert: false });
      await countOpen();
    },
    cardCheckoutAllowed: state,
    status: () => ({ ...state(), lastRound, manifest: manifestInfo, openFindings, root: cfg.root, intervalSeconds: cfg.intervalSeconds, watching: treeWatch?.active ?? false }),
    verifyNow,
    verifyChanged,
    async acknowledge(findingId, staff, note, req) {
      // Principle 4: the acknowledgement (it may re-open card checkout) is recorded with the change.
      const row = await db.transaction().execute(async (trx) => {
        const done = await trx
          .updateTable('integrity_finding')
          .set({ acknowledged_at: new Date(), acknowledged_by: staff.id, acknowledgement_note: note.slice(0, 1000) })
          .where('id', '=', findingId)
          .where('acknowledged_at', 'is', null)
          .returning(['id', 'kind'])
          .executeTakeFirst();
        if (done) await recordStaffAction(trx, { staff, action: 'integrity.acknowledge', object: { type: 'integrity_finding', id: done.id }, detail: { kind: done.kind }, req });
        return done;
      });
      await countOpen();
      if (row) log.warn({ finding: findingId, staff: staff.id }, 'integrity finding acknowledged');
      return row !== undefined;
    },
    start() {
      if (started) return;
      started = true;
      // Each instance verifies its own disk, so the task is not `single`.
      ctx.scheduler.every('integrity-verify', cfg.intervalSeconds * 1000, async () => void (await verifyNow()), { single: false, runAtStart: true });
    },
    stop() {
      treeWatch?.close();
      treeWatch = null;
    },
  };
}

