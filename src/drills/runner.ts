import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { drillPayloads } from '../malware-scan/payloads.ts';

export type DrillId = 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6';
export const drillIds: readonly DrillId[] = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6'];

export interface StepResult {
  name: string;
  result: 'stopped' | 'caught' | 'missed';
  /** stopped: seconds to the refusal; caught: seconds from the attempt to the alert; missed: seconds waited. */
  seconds: number;
  /** What, if anything, the attacker got. */
  lost: string;
  note?: string;
}

export interface DrillReport {
  target: string;
  startedAt: string;
  finishedAt: string;
  runId: number;
  drills: Array<{ id: DrillId; title: string; steps: StepResult[]; notRun: string[] }>;
}

export interface DrillOptions {
  target: string;
  token: string;
  /** The store's data folder on this host (uploads, stray files for the card-number scan). */
  dataDir: string;
  /** Hosts besides loopback a drill may target (DRILL_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** How long a step waits for an alert (the target is 60 s). */
  catchTimeoutMs?: number;
  log?: (line: string) => void;
}

const titles: Record<DrillId, string> = {
  T1: '決済ページのコードとテンプレートの改ざん、配信スクリプトへのスキマー設置 / payment-page code tampering, skimmer in a served script',
  T2: '名前・電話・住所・備考欄へのカード番号入力 / card numbers typed into name, phone, address and note fields',
  T3: 'SSI・テンプレートインジェクション、Web シェルの設置 / SSI and template injection, web shells dropped',
  T4: 'スタッフログインへの総当たり・リスト型攻撃 / brute force and credential stuffing against staff sign-in',
  T5: '保存データ中のカード番号の捜索 / stored card numbers searched for',
  T6: '承認済み外部スクリプトのすり替え / an approved third-party script swapped',
};

/** T-drills may only be pointed at this store's own host or a staging host the operator listed. */
export function targetAllowed(target: string, allowedHosts: string[] = []): boolean {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))) return true;
  return allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean).includes(host);
}

/** A Luhn-valid 16-digit number in a test range, made at run time (never a real card, never committed). */
export function luhnNumber(prefix = '4242'): string {
  let digits = prefix;
  while (digits.length < 15) digits += String(randomInt(10));
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = Number(digits[14 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + String((10 - (sum % 10)) % 10);
}

interface AlertSeen {
  id: number;
  kind: string;
  title: string;
  created_at: string;
  fingerprint: string;
}

export async function runDrills(which: DrillId[], o: DrillOptions): Promise<DrillReport> {
  if (!targetAllowed(o.target, o.allowedHosts)) throw new Error(`refused: ${o.target} is neither this host (loopback) nor listed in DRILL_ALLOWED_HOSTS`);
  const base = new URL(o.target);
  const log = o.log ?? (() => {});
  const timeout = o.catchTimeoutMs ?? 60_000;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(new URL(`/api/drill${path}`, base), { method, headers: { authorization: `Bearer ${o.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(180_000) });
    if (res.status === 401) throw new Error('the drill token was refused (create one with `omamori drill token` on the store host, or in the console)');
    if (!res.ok) throw new Error(`drill API ${method} ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  const started = await api<{ runId: number; nonce: string; startedAt: string; integrityRoot: string }>('POST', '/runs', { target: base.origin });
  const { runId, nonce } = started;
  const root = started.integrityRoot;
  if (!existsSync(root)) throw new Error(`the store's code tree ${root} is not on this host: run the drill on the store's host`);
  const drillName = `omamori-drill-${nonce}`;
  const attributed = new Set<number>();
  const touched: string[] = [];
  const cleanups: Array<() => void> = [];
  const startedAt = new Date().toISOString();

  const alertsNow = async () => (await api<{ alerts: AlertSeen[]; cardCheckout: { allowed: boolean } }>('GET', `/runs/${runId}/alerts`));
  /** Waits for an alert the step caused (fingerprint names its path); caught with the seconds, or missed. */
  const waitCaught = async (name: string, t0: number, match: (a: AlertSeen) => boolean, lostIfMissed: string, note?: string): Promise<StepResult> => {
    for (;;) {
      const { alerts } = await alertsNow();
      const hit = alerts.find((a) => !attributed.has(a.id) && match(a));
      if (hit) {
        attributed.add(hit.id);
        for (const a of alerts) if (match(a)) attributed.add(a.id);
        return { name, result: 'caught', seconds: round((Date.now() - t0) / 1000), lost: 'nothing', note: note ?? hit.title };
      }
      if (Date.now() - t0 > timeout) return { name, result: 'missed', seconds: round((Date.now() - t0) / 1000), lost: lostIfMissed, note };
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const plant = (rel: string, body: string) => {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, body);
    touched.push(rel);
    cleanups.push(() => rmSync(abs, { force: true }));
  };
  const fileStep = async (name: string, rel: string, body: string, lost: string) => {
    const t0 = Date.now();
    plant(rel, body);
    return waitCaught(name, t0, (a) => a.fingerprint.includes(rel), lost);
  };
  const request = async (path: string, init: RequestInit = {}) => {
    const t0 = Date.now();
    const res = await fetch(new URL(path, base), { redirect: 'manual', signal: AbortSignal.timeout(30_000), ...init, headers: { origin: base.origin, 'user-agent': 'omamori-drill', ...(init.headers ?? {}) } });
    const text = await res.text();
    return { status: res.status, text, seconds: round((Date.now() - t0) / 1000) };
  };

  const out: DrillReport['drills'] = [];
  try {
    for (const id of which) {
      log(`${id}: ${titles[id]}`);
      const steps: StepResult[] = [];
      const notRun: string[] = [];
      if (id === 'T1') {
        // The checkout template, as the Tully's and IPSA attackers changed theirs.
        const template = 'src/checkout/views/form-page.ts';
        const abs = join(root, template);
        if (existsSync(abs)) {
          const original = readFileSync(abs);
          const t0 = Date.now();
          appendFileSync(abs, `\n// <script src="https://drill.invalid/${drillName}.js"></script>\n`);
          touched.push(template);
          cleanups.push(() => writeFileSync(abs, original));
          steps.push(await waitCaught('payment-template-tamper', t0, (a) => a.fingerprint.includes(template), 'the checkout template served a foreign script'));
          writeFileSync(abs, original);
        } else notRun.push('payment-template-tamper (no checkout template in this tree)');
        const skimmer = drillPayloads.find((p) => p.name === 'js-skimmer')!;
        steps.push(await fileStep('skimmer-in-served-script', `static/js/${drillName}.js`, skimmer.body, 'a skimmer served to shoppers'));
        const card = await alertsNow();
        if (!card.cardCheckout.allowed) steps[steps.length - 1]!.note = `${steps[steps.length - 1]!.note ?? ''} / card checkout switched off`;
        // A copy of the database (a dump, a stolen backup) read without the master key: a customer's personal data,
        // entered by the drill with the run's nonce, must not be readable in any table.
        const email = `${drillName}-t1@example.invalid`;
        const name = `Drill ${nonce}`;
        const signup = await request('/api/store/customers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: `Drill-${nonce}-pw`, name, name_kana: 'ドリル', phone: '0312345678' }) });
        const copy = await api<{ tables: number; columns: number; plaintext: string[] }>('POST', `/runs/${runId}/db-copy`, { needles: [email, name] });
        if (signup.status >= 300) notRun.push(`personal-data-from-database-copy (the drill's sign-up was refused: HTTP ${signup.status})`);
        else steps.push(copy.plaintext.length
          ? { name: 'personal-data-from-database-copy', result: 'missed', seconds: signup.seconds, lost: `personal data readable in a database copy: ${copy.plaintext.join(', ')}` }
          : { name: 'personal-data-from-database-copy', result: 'stopped', seconds: signup.seconds, lost: 'nothing', note: `signup HTTP ${signup.status}; ${copy.columns} text columns of ${copy.tables} tables read raw: the name and e-mail address are only ciphertext` });
      }
      if (id === 'T2') {
        const pan = luhnNumber();
        for (const field of ['name', 'phone', 'address1', 'note']) {
          const r = await request('/api/store/customers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${drillName}-${field}@example.invalid`, password: `Drill-${nonce}-pw`, name: 'ドリル 太郎', [field]: pan }) });
          steps.push(r.status === 422 || r.status === 400 || r.status === 403 ? { name: `card-number-in-${field}`, result: 'stopped', seconds: r.seconds, lost: 'nothing', note: `HTTP ${r.status}` } : { name: `card-number-in-${field}`, result: 'missed', seconds: r.seconds, lost: `a card number accepted in the ${field} field (HTTP ${r.status})` });
        }
        const q = await request(`/products?q=${encodeURIComponent(pan.replace(/(\d{4})/g, '$1 ').trim())}`);
        steps.push(q.status === 422 || q.status === 400 ? { name: 'card-number-in-search', result: 'stopped', seconds: q.seconds, lost: 'nothing', note: `HTTP ${q.status}` } : { name: 'card-number-in-search', result: 'missed', seconds: q.seconds, lost: `a card number accepted in the search box (HTTP ${q.status})` });
      }
      if (id === 'T3') {
        for (const [name, payload, evaluated] of [
          ['ssi-injection', drillPayloads.find((p) => p.name === 'ssi-exec')!.body, /uid=\d+/],
          ['template-injection', '{{7*7}}${7*7}<%= 7*7 %>#{7*7}', /(^|[^0-9])49([^0-9]|$)/],
        ] as const) {
          const r = await request(`/products?q=${encodeURIComponent(payload)}`);
          const reflectedRaw = r.text.includes(payload);
          const ran = evaluated.test(r.text.replace(/[0-9a-f]{8,}/gi, '')) && !r.text.includes('7*7');
          steps.push(r.status >= 400 && r.status < 500 ? { name, result: 'stopped', seconds: r.seconds, lost: 'nothing', note: `HTTP ${r.status}` } : ran || reflectedRaw ? { name, result: 'missed', seconds: r.seconds, lost: ran ? 'the payload was evaluated' : 'the payload was reflected unescaped' } : { name, result: 'stopped', seconds: r.seconds, lost: 'nothing', note: 'rendered as inert, escaped text' });
        }
        const php = drillPayloads.find((p) => p.name === 'php-shell')!;
        const jsp = drillPayloads.find((p) => p.name === 'jsp-shell')!;
        steps.push(await fileStep('web-shell-in-code-tree', `src/${drillName}.php`, php.body, 'a web shell in the code tree'));
        steps.push(await fileStep('web-shell-in-static', `static/${drillName}.jsp`, jsp.body, 'a web shell in the static folder'));
        // Uploads are outside the signed tree: the malware scan finds them (its hourly run, triggered now).
        const uploads = join(o.dataDir, 'uploads');
        mkdirSync(uploads, { recursive: true });
        const shell = join(uploads, `${drillName}.php`);
        const t0 = Date.now();
        writeFileSync(shell, php.body);
        touched.push(`uploads/${drillName}.php`);
        cleanups.push(() => rmSync(shell, { force: true }));
        await api('POST', `/runs/${runId}/scan/malware`);
        steps.push(await waitCaught('web-shell-in-uploads', t0, (a) => a.fingerprint.includes(`uploads/${drillName}.php`), 'a web shell in the uploads', 'found by the malware scan (hourly; run now by the drill)'));
        // A backdoor's listening port: a planted process (this runner's child, ended in the clean-up) listens on every
        // address; the store's host check must list it among the unexpected listeners.
        const t1 = Date.now();
        const planted = spawn(process.execPath, ['-e', "const s=require('node:net').createServer(c=>c.destroy());s.listen(0,'0.0.0.0',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'ignore'] });
        cleanups.push(() => planted.kill('SIGKILL'));
        const port = await new Promise<number>((resolve) => {
          planted.stdout!.once('data', (c: Buffer) => resolve(Number(String(c).trim())));
          planted.once('exit', () => resolve(0));
        });
        if (!port) notRun.push('listening-port-planted (the planted listener could not start)');
        else {
          const seen = await api<{ listeners: Array<{ address: string; port: number }> | null }>('POST', `/runs/${runId}/listeners`);
          steps.push(seen.listeners === null
            ? { name: 'listening-port-planted', result: 'missed', seconds: round((Date.now() - t1) / 1000), lost: 'the host check cannot read the listening sockets (no /proc)' }
            : seen.listeners.some((l) => l.port === port)
              ? { name: 'listening-port-planted', result: 'caught', seconds: round((Date.now() - t1) / 1000), lost: 'nothing', note: `port ${port} listed by the host check (omamori doctor, "host.ports")` }
              : { name: 'listening-port-planted', result: 'missed', seconds: round((Date.now() - t1) / 1000), lost: `a planted process listened on port ${port} unnoticed` });
          planted.kill('SIGKILL');
        }
      }
      if (id === 'T4') {
        // Brute force: one account, many passwords. Stopped when the store refuses (429/403) within 10 tries.
        const t0 = Date.now();
        let refusedAt = 0;
        for (let i = 1; i <= 15 && !refusedAt; i++) {
          const r = await request('/admin/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: `${drillName}@example.invalid`, password: `wrong-${i}-${nonce}` }).toString() });
          if (r.status === 429 || r.status === 403 || r.status === 404) refusedAt = i;
        }
        steps.push(refusedAt && refusedAt <= 11 ? { name: 'staff-brute-force', result: 'stopped', seconds: round((Date.now() - t0) / 1000), lost: 'nothing', note: `refused at try ${refusedAt}` } : { name: 'staff-brute-force', result: 'missed', seconds: round((Date.now() - t0) / 1000), lost: refusedAt ? `${refusedAt - 1} tries allowed` : '15 tries allowed without a refusal' });
        // Stuffing: many accounts, one password each, from one address.
        const t1 = Date.now();
        let stuffedAt = 0;
        for (let i = 1; i <= 40 && !stuffedAt; i++) {
          const r = await request('/admin/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: `${drillName}-${i}@example.invalid`, password: 'Summer2026!' }).toString() });
          if (r.status === 429 || r.status === 403 || r.status === 404) stuffedAt = i;
        }
        steps.push(stuffedAt ? { name: 'staff-credential-stuffing', result: 'stopped', seconds: round((Date.now() - t1) / 1000), lost: 'nothing', note: `refused at account ${stuffedAt}` } : { name: 'staff-credential-stuffing', result: 'missed', seconds: round((Date.now() - t1) / 1000), lost: '40 accounts tried without a refusal' });
        notRun.push('session replay and bulk export without step-up (need a staff session; covered by identity and exports tests)');
      }
      if (id === 'T5') {
        // A faulty change leaves card numbers in a log file: the card-number scan must find it.
        const file = join(o.dataDir, `${drillName}.log`);
        const t0 = Date.now();
        // The run's nonce in the file's name and content: two runs (or a real find) never share an alert.
        writeFileSync(file, `order debug drill=${drillName} card=${luhnNumber('4111')} exp=12/30\n`);
        cleanups.push(() => rmSync(file, { force: true }));
        await api('POST', `/runs/${runId}/scan/pan`);
        steps.push(await waitCaught('stored-card-number-in-file', t0, (a) => a.kind === 'pan_found' && a.fingerprint.includes(drillName), 'a card number left on disk', 'found by the card-number scan (scheduled; run now by the drill)'));
      }
      if (id === 'T6') {
        // A swapped copy of an approved script is refused by the browser when every third-party script is SRI-pinned.
        const r = await request('/');
        const external = [...r.text.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1] ?? '').filter((a) => /\bsrc\s*=\s*["']?https?:\/\//i.test(a) && !new RegExp(`src\\s*=\\s*["']?${base.origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i').test(a));
        const unpinned = external.filter((a) => !/\bintegrity\s*=/.test(a));
        steps.push(unpinned.length ? { name: 'third-party-script-pinned', result: 'missed', seconds: r.seconds, lost: `${unpinned.length} third-party script(s) without SRI: a swapped copy would run` } : { name: 'third-party-script-pinned', result: 'stopped', seconds: r.seconds, lost: 'nothing', note: `${external.length} third-party script(s), all SRI-pinned (a swapped copy is refused by the browser)` });
        const t0 = Date.now();
        const loader = drillPayloads.find((p) => p.name === 'js-obfuscated-loader')!;
        steps.push(await fileStep('own-script-swapped', `static/js/${drillName}-vendor.js`, loader.body, 'a swapped script served'));
        void t0;
        notRun.push('swap through a real third-party CDN (needs a browser and an outside host; page-watch.browser.test.ts covers it)');
      }
      out.push({ id, title: titles[id], steps, notRun });
      for (const s of steps) log(`  ${s.result.padEnd(7)} ${String(s.seconds).padStart(6)} s  ${s.name}${s.result === 'missed' ? `  LOST: ${s.lost}` : ''}`);
    }
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch {
        /* cleaned as far as possible */
      }
    }
  }
  const report: DrillReport = { target: base.origin, startedAt, finishedAt: new Date().toISOString(), runId, drills: out };
  // Give the watcher a moment to see the restored files, then close the drill's alerts as drills.
  const { alerts } = await alertsNow();
  for (const a of alerts) if (a.fingerprint.includes(nonce) || touched.some((p) => a.fingerprint.includes(p))) attributed.add(a.id);
  await api('POST', `/runs/${runId}/finish`, { report, alertIds: [...attributed], paths: touched });
  return report;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
