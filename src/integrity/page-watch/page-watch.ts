import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { raiseAlert } from '../../alerts/raise.ts';
import type { AppContext } from '../../platform/context.ts';
import type { IntegrityConfig } from '../config.ts';
import { networkTransport, shoppingPages, walkStore, watchedPages, type BrowserRenderer, type Journey, type Transport, type WatchedPage } from './page-fetch.ts';
import { comparePage, snapshotPage, type PageDifference, type PageSnapshot } from './page-snapshot.ts';

export type PageWatchProblem = 'pages_not_verified' | 'no_page_baseline' | 'pages_changed' | 'page_watch_error';
export type PagesSnapshot = Partial<Record<WatchedPage, PageSnapshot>>;

export interface PageWatchRound {
  at: Date;
  ms: number;
  mode: 'http' | 'chromium';
  compared: WatchedPage[];
  notes: string[];
  differences: PageDifference[];
  problem: PageWatchProblem | null;
  /** `cannot_shop`: nothing could be bought (sold out, stock held); shop state, not tampering, card checkout stays on. */
  shop: 'shopped' | 'cannot_shop' | null;
}

export interface PageBaselineInfo {
  id: number;
  digest: string;
  source: 'start' | 'approved';
  createdAt: Date;
  pages: PagesSnapshot;
}

/** What the watcher needs from the file-integrity service (no cycle between the two modules). */
export interface WatchDeps {
  /** True when the last file verification against the signed manifest was clean: the code is the deployed code. */
  filesVerified(): Promise<boolean>;
  recordPageFindings(differences: PageDifference[]): Promise<void>;
}

const instance = `${hostname()}:${process.pid}`.slice(0, 100);

/** The canonical form of a snapshot (pages and keys in a fixed order), so equal renders give equal digests. */
export function canonical(pages: PagesSnapshot): { json: string; digest: string } {
  const ordered: PagesSnapshot = {};
  for (const p of watchedPages) if (pages[p]) ordered[p] = { status: pages[p].status, headers: Object.fromEntries(Object.keys(pages[p].headers).sort().map((k) => [k, pages[p]!.headers[k]!])), elements: [...pages[p].elements].sort() };
  const json = JSON.stringify(ordered);
  return { json, digest: createHash('sha256').update(json).digest('hex') };
}

function pick(pages: PagesSnapshot | undefined, which: readonly WatchedPage[]): PagesSnapshot {
  return Object.fromEntries(which.filter((p) => pages?.[p]).map((p) => [p, pages![p]]));
}

export function snapshotJourney(j: Journey): PagesSnapshot {
  const out: PagesSnapshot = {};
  for (const p of watchedPages) {
    const r = j.pages[p];
    if (r) out[p] = snapshotPage(r.body, r.headers, r.status, r.url);
  }
  return out;
}

/** `app.inject` as a transport: the code's own render, through no network, proxy or CDN. */
export function injectTransport(app: FastifyInstance): Transport {
  return async (req) => {
    const res = await app.inject({ method: req.method, url: req.url.pathname + req.url.search, headers: req.headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    const sc = res.headers['set-cookie'];
    return { status: res.statusCode, headers, setCookies: sc === undefined ? [] : Array.isArray(sc) ? sc : [String(sc)], body: res.body };
  };
}

/**
 * The payment-page watcher (PCI DSS 11.6.1; T1, T6). Its baseline is the deployed code's own render
 * (through `app.inject`, taken while the files verify against the signed manifest, or approved by an
 * owner); on a schedule it fetches the same pages over HTTP as a shopper would (or in headless Chromium)
 * and every difference is a finding that switches card checkout off.
 */
export class PageWatcher {
  private app: FastifyInstance | null = null;
  private base: URL | null = null;
  private browser: BrowserRenderer | null = null;
  private last: PageWatchRound | null = null;
  private running: Promise<PageWatchRound> | null = null;
  private started = false;
  private scheduled = false;
  /** The baseline's shopping pages are this code's own render (not carried over from before a restart while nothing could be bought). */
  private freshShopping = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly cfg: IntegrityConfig,
    private readonly deps: WatchDeps,
  ) {}

  /** Null while the watcher is not running (a store that does not listen): it then has no say. */
  problem(): PageWatchProblem | null | undefined {
    if (!this.started) return undefined;
    return this.last ? this.last.problem : 'pages_not_verified';
  }

  lastRound(): PageWatchRound | null {
    return this.last;
  }

  /** A state that is not tampering and keeps card checkout on, shown in the console and /healthz. */
  condition(): 'cannot_shop' | null {
    return this.started && this.last?.problem === null && this.last.shop === 'cannot_shop' ? 'cannot_shop' : null;
  }

  /** Starts the schedule once the server listens (the first round at once). */
  attach(app: FastifyInstance): void {
    app.server.once('listening', () => {
      // Only a listener that serves the storefront (with ADMIN_PORT the console has its own, without the shop).
      if (!this.started && app.hasRoute({ method: 'GET', url: '/cart' })) this.begin(app);
    });
    app.addHook('onClose', async () => {
      await this.running?.catch(() => undefined);
      await this.browser?.close().catch(() => undefined);
    });
  }

  /** Watches the pages this listening server serves; `schedule: false` for one-off rounds (tests, a second watcher). */
  begin(app: FastifyInstance, opts: { schedule?: boolean } = {}): void {
    this.app = app;
    const addr = app.server.address();
    const local = addr && typeof addr === 'object' ? `http://${addr.family === 'IPv6' ? `[${addr.address === '::' ? '::1' : addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address}:${addr.port}` : this.ctx.config.publicUrl;
    this.base = new URL(this.cfg.pageWatch.url ?? local);
    this.started = true;
    // Each instance watches what it serves itself, so the task is not `single`.
    if (opts.schedule === false || this.scheduled) return;
    this.scheduled = true;
    this.ctx.scheduler.every('page-watch', this.cfg.pageWatch.intervalSeconds * 1000, async () => void (await this.runNow()), { single: false, runAtStart: true });
  }

  /** Where the watcher fetches the pages. */
  target(): string | null {
    return this.base?.toString() ?? null;
  }

  async newestBaseline(): Promise<PageBaselineInfo | null> {
    const row = await this.ctx.db.selectFrom('page_baseline').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? { id: row.id, digest: row.digest, source: row.source, createdAt: row.created_at, pages: JSON.parse(row.snapshot) as PagesSnapshot } : null;
  }

  /** The code's own render of the payment pages, as the baseline takes it, and whether it could shop. */
  async ownRender(): Promise<{ pages: PagesSnapshot; shop: Journey['shop'] }> {
    if (!this.app || !this.base) throw new Error('the page watcher has not started');
    const j = await walkStore(this.base, injectTransport(this.app));
    return { pages: snapshotJourney(j), shop: j.shop };
  }

  private async store(pages: PagesSnapshot, source: 'start' | 'approved', staffId: number | null, previous: PageBaselineInfo | null): Promise<PageBaselineInfo> {
    const { json, digest } = canonical(pages);
    if (previous && previous.digest === digest && source === 'start') return previous;
    const row = await this.ctx.db.insertInto('page_baseline').values({ digest, snapshot: json, source, approved_by: staffId, instance }).returning(['id', 'created_at']).executeTakeFirstOrThrow();
    if (previous && previous.digest !== digest) {
      // A new baseline follows a deploy or an owner's approval, and is exactly what an intruder would want: make it visible.
      await raiseAlert(this.ctx.db, {
        kind: 'page_baseline',
        severity: 'high',
        title: source === 'approved' ? '決済ページのベースラインが承認されました / payment-page baseline approved' : '決済ページのベースラインが更新されました / payment-page baseline replaced',
        detail: { source, digest: digest.slice(0, 16), previous: previous.digest.slice(0, 16), pages: Object.keys(pages), instance, staff: staffId },
        fingerprint: `page-baseline:${digest}`,
      });
    }
    this.ctx.log.warn({ source, digest: digest.slice(0, 16), pages: Object.keys(pages) }, 'page watch: baseline recorded');
    return { id: row.id, digest, source, createdAt: row.created_at, pages };
  }

  /** An owner approves the pages as the code renders them now (after step-up; the route records it). */
  async approve(staffId: number): Promise<PageBaselineInfo> {
    const previous = await this.newestBaseline();
    const own = await this.ownRender();
    const made = await this.store(own.pages, 'approved', staffId, previous);
    this.freshShopping = own.shop === 'shopped';
    await this.runNow();
    return made;
  }

  private async round(): Promise<PageWatchRound> {
    const t0 = performance.now();
    const mode = this.cfg.pageWatch.browser;
    const done = (problem: PageWatchProblem | null, extra: Partial<PageWatchRound> = {}): PageWatchRound => ({ at: new Date(), ms: performance.now() - t0, mode, compared: [], notes: [], differences: [], problem, shop: null, ...extra });
    const verified = await this.deps.filesVerified();
    let baseline = await this.newestBaseline();
    // T1: the baseline is the render of code that matches the signed manifest, taken at start (and for a page
    // that could not be rendered before, e.g. nothing was in stock); never from code that failed verification.
    const firstRound = this.last === null;
    if (verified && (firstRound || !baseline)) {
      const own = await this.ownRender();
      this.freshShopping = own.shop === 'shopped';
      // A start while nothing can be bought keeps the previous shopping pages: shop state never replaces a baseline.
      baseline = await this.store(own.shop === 'shopped' ? own.pages : { ...pick(baseline?.pages, shoppingPages), ...own.pages }, 'start', null, baseline);
    }
    if (!baseline) return done('no_page_baseline', { notes: ['the files do not verify, and no approved baseline exists'] });

    const journey = await walkStore(this.base!, networkTransport(15_000), { browser: await this.browserRenderer() });
    const now = snapshotJourney(journey);
    let approved: PagesSnapshot = baseline.pages;
    // The shopping pages of verified code, once it can shop again (they were missing, or carried over).
    if (verified && journey.shop === 'shopped' && (!this.freshShopping || shoppingPages.some((p) => !approved[p]))) {
      const own = await this.ownRender();
      if (own.shop === 'shopped') {
        approved = (await this.store({ ...approved, ...pick(own.pages, shoppingPages) }, 'start', null, baseline)).pages;
        this.freshShopping = true;
      }
    }
    // Shop state never decides what is compared against what: a shopping page only when the walk could shop.
    const compared = watchedPages.filter((p) => now[p] && approved[p] && (journey.shop === 'shopped' || !shoppingPages.includes(p)));
    const differences = compared.flatMap((p) => comparePage(p, approved[p]!, now[p]!));
    const notes = [...(journey.shop === 'cannot_shop' ? ['cannot shop: nothing purchasable'] : []), ...journey.notes, ...watchedPages.filter((p) => !compared.includes(p)).map((p) => `${p}: not compared`)];
    if (differences.length) await this.deps.recordPageFindings(differences);
    else if (journey.shop === 'cannot_shop' && this.last?.shop !== 'cannot_shop') {
      // A warning, not a finding: a good sales day or held stock must not switch card checkout off (issue 10).
      await raiseAlert(this.ctx.db, {
        kind: 'page_watch',
        severity: 'medium',
        title: '決済ページ監視: 購入できる商品がありません / page watch: cannot shop, nothing purchasable',
        detail: { notes: journey.notes.slice(0, 5), compared, instance },
        fingerprint: 'page-watch:cannot-shop',
      });
    }
    return done(differences.length ? 'pages_changed' : null, { compared, notes, differences, shop: journey.shop });
  }

  private async browserRenderer(): Promise<BrowserRenderer | null> {
    if (this.cfg.pageWatch.browser !== 'chromium') return null;
    if (!this.browser) {
      const { launchChromium } = await import('./chromium.ts');
      this.browser = await launchChromium(this.cfg.pageWatch.chromiumPath);
    }
    return this.browser;
  }

  /** One round now (the schedule calls this too); rounds never overlap. */
  async runNow(): Promise<PageWatchRound> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.round()
      .catch(async (err: unknown) => {
        this.ctx.log.error({ err }, 'page watch round failed');
        const note = String((err as Error)?.message ?? err).slice(0, 200);
        // Fail closed, and say so: a payment page that cannot be checked keeps card checkout off.
        await raiseAlert(this.ctx.db, { kind: 'page_watch', severity: 'high', title: '決済ページを検証できません / payment pages could not be checked', detail: { note, instance }, fingerprint: 'page-watch:error' }).catch(() => undefined);
        return { at: new Date(), ms: 0, mode: this.cfg.pageWatch.browser, compared: [], notes: [note], differences: [], problem: 'page_watch_error' as const, shop: null };
      })
      .then((r) => {
        this.last = r;
        return r;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
