import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { sql } from 'kysely';
import { integrityConfig } from '../integrity/config.ts';
import { loadManifest } from '../integrity/files/manifest.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db/database.ts';
import { projectRoot } from '../platform/paths.ts';
import { lastMalwareScan } from '../malware-scan/service.ts';
import { observatoryGrade, type ObservatoryTest, type PageResponse } from './observatory.ts';
import { listeningSockets, unexpectedListeners } from '../platform/security/listening-sockets.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info';
export type CheckSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface DoctorCheck {
  id: string;
  /** Plain Japanese: what was checked. */
  title: string;
  status: CheckStatus;
  severity: CheckSeverity;
  /** Plain Japanese: what to do (empty when nothing is to be done). */
  fix: string;
  /** What was seen (numbers, settings; never a secret). */
  detail?: string;
}

export interface ChecklistItem {
  id: string;
  title: string;
  /** met: the store's configuration and evidence answer it; partial: some of it; operator: the operator's to do. */
  status: 'met' | 'partial' | 'operator';
  evidence: string;
  todo: string;
}

export interface DoctorReport {
  at: string;
  score: number;
  checks: DoctorCheck[];
  checklist: ChecklistItem[];
  observatory?: { url: string; score: number; grade: string; tests: ObservatoryTest[] };
}

export interface DoctorInput {
  config: Config;
  db: Db;
  env?: NodeJS.ProcessEnv;
  /** Live checks against this URL (headers as a browser receives them, exposed paths). */
  url?: string;
  /** Run `npm audit --json` (needs the npm registry; slow). */
  npmAudit?: boolean;
  now?: Date;
}

const day = 86_400_000;
const weight: Record<CheckSeverity, number> = { critical: 25, high: 12, medium: 6, low: 2, info: 0 };
const rank: Record<CheckStatus, number> = { fail: 0, warn: 1, info: 2, pass: 3 };
const sevRank: Record<CheckSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** 100 minus a weight per failed check (half for a warning), never below 0. */
export function scoreOf(checks: DoctorCheck[]): number {
  const lost = checks.reduce((n, c) => n + (c.status === 'fail' ? weight[c.severity] : c.status === 'warn' ? weight[c.severity] / 2 : 0), 0);
  return Math.max(0, Math.round(100 - lost));
}

/** Fixes first, by risk: failures before warnings, critical before low. */
export function byRisk(a: DoctorCheck, b: DoctorCheck): number {
  return rank[a.status] - rank[b.status] || sevRank[a.severity] - sevRank[b.severity] || a.id.localeCompare(b.id);
}

const ok = (id: string, title: string, detail?: string): DoctorCheck => ({ id, title, status: 'pass', severity: 'info', fix: '', detail });

function mode(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
}

const weakWords = ['changeme', 'change-me', 'secret', 'password', 'default', 'example', 'test', 'admin', '123456', 'omamori'];
/** A secret is weak when short, repetitive or a known placeholder. */
export function weakSecret(value: string): boolean {
  const v = value.trim();
  if (v.length < 24) return true;
  if (new Set(v).size < 10) return true;
  return weakWords.some((w) => v.toLowerCase() === w || v.toLowerCase().startsWith(`${w}-`) || v.toLowerCase().startsWith(`${w}_`));
}

function newestFile(dir: string, prefix: string): Date | null {
  try {
    let newest: Date | null = null;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || name.endsWith('.partial')) continue;
      const m = statSync(join(dir, name)).mtime;
      if (!newest || m > newest) newest = m;
    }
    return newest;
  } catch {
    return null;
  }
}

const ageDays = (now: Date, at: Date) => Math.floor((now.getTime() - at.getTime()) / day);

async function configChecks(input: DoctorInput, now: Date): Promise<DoctorCheck[]> {
  const { config, db } = input;
  const env = input.env ?? process.env;
  const out: DoctorCheck[] = [];
  const https = config.publicUrl.startsWith('https:');

  out.push(https ? ok('tls.public_url', 'お店の URL が https です', config.publicUrl) : { id: 'tls.public_url', title: 'お店の URL が https ではありません', status: config.production ? 'fail' : 'warn', severity: 'critical', fix: 'PUBLIC_URL を https:// で始まる URL にし、TLS 証明書を設定してください(通信が盗み見られ、カード情報入力ページへの誘導も改ざんされます)。', detail: config.publicUrl });
  out.push(https ? ok('tls.hsts', 'HSTS(常に https で接続させる指示)を送っています', 'max-age=31536000; includeSubDomains') : { id: 'tls.hsts', title: 'HSTS が送られていません', status: config.production ? 'fail' : 'warn', severity: 'high', fix: 'PUBLIC_URL を https にすると HSTS が自動で送られます。', detail: 'PUBLIC_URL is http' });
  out.push(https ? ok('cookies.flags', 'ログイン用 Cookie は __Host- 付き・Secure・HttpOnly・SameSite です') : { id: 'cookies.flags', title: 'Cookie に Secure が付いていません', status: config.production ? 'fail' : 'warn', severity: 'high', fix: 'PUBLIC_URL を https にしてください(Cookie が __Host-・Secure 付きになります)。' });
  out.push(config.production ? ok('runtime.node_env', 'NODE_ENV は production です') : { id: 'runtime.node_env', title: 'NODE_ENV が production ではありません', status: https ? 'fail' : 'warn', severity: 'medium', fix: '本番では NODE_ENV=production で起動してください(デモ用の初期データや詳しいエラー表示が止まります)。', detail: `NODE_ENV=${env.NODE_ENV ?? 'development'}` });

  const adminRestricted = config.adminIpAllowlist.length > 0 || config.adminPort !== undefined;
  out.push(adminRestricted ? ok('admin.access', '管理画面は接続元の制限または別の窓口(ポート)で守られています', config.adminPort !== undefined ? `ADMIN_PORT=${config.adminPort} on ${config.adminBind}` : `ADMIN_IP_ALLOWLIST: ${config.adminIpAllowlist.length} entries`) : { id: 'admin.access', title: '管理画面に誰でも接続できます', status: 'fail', severity: 'high', fix: 'ADMIN_IP_ALLOWLIST に事務所や VPN の IP アドレスを設定するか、ADMIN_PORT で管理画面を別ポート(社内からのみ到達可能)に分けてください。' });

  const staff = await db.selectFrom('staff').select(['id', 'totp_enabled_at', 'last_sign_in_at', 'created_at']).where('active', '=', true).execute();
  const without2fa = staff.filter((s) => !s.totp_enabled_at).length;
  out.push(!staff.length ? { id: 'staff.2fa', title: 'スタッフのアカウントがまだありません', status: 'info', severity: 'info', fix: '`omamori setup-link` で最初のオーナーを作り、2段階認証を設定してください。' } : without2fa === 0 ? ok('staff.2fa', `スタッフ全員(${staff.length}人)が2段階認証を使っています`) : { id: 'staff.2fa', title: `2段階認証を設定していないスタッフが ${without2fa} 人います`, status: 'fail', severity: 'critical', fix: '「スタッフ」画面で該当者に2段階認証の設定を依頼してください。パスワードだけの管理者アカウントは乗っ取りの入口になります。', detail: `${without2fa}/${staff.length}` });
  const unused = staff.filter((s) => now.getTime() - new Date(s.last_sign_in_at ?? s.created_at).getTime() > 90 * day).length;
  out.push(unused === 0 ? ok('staff.unused', '90日以上使われていないスタッフアカウントはありません') : { id: 'staff.unused', title: `90日以上ログインのないスタッフアカウントが ${unused} 件あります`, status: 'warn', severity: 'medium', fix: '退職者や使っていないアカウントは「スタッフ」画面で無効にしてください。', detail: String(unused) });

  // Keys: readable by the owner only, and not inside the database directory (a database copy must not carry its key).
  const keyProblems: string[] = [];
  const keyFiles = [config.keyProvider === 'file' || config.keyProvider === undefined ? config.masterKeyFile : null, integrityConfig(config, env).privateKeyPath].filter((p): p is string => !!p && existsSync(p));
  for (const f of keyFiles) {
    const m = mode(f);
    if (m !== null && (m & 0o077) !== 0) keyProblems.push(`${f}: mode ${m.toString(8)}`);
    const rel = relative(resolve(config.dataDir, 'pgdata'), resolve(f));
    if (!rel.startsWith('..')) keyProblems.push(`${f}: inside the database directory`);
    const inTree = relative(projectRoot, resolve(f));
    if (!inTree.startsWith('..') && !inTree.startsWith('data')) keyProblems.push(`${f}: inside the code tree`);
  }
  out.push(keyProblems.length ? { id: 'keys.files', title: '鍵ファイルの置き場所または権限に問題があります', status: 'fail', severity: 'high', fix: '鍵ファイルは所有者だけが読めるように(chmod 600)し、データベースのフォルダやプログラムのフォルダの外に置いてください。可能なら MASTER_KEY_PROVIDER=vault-transit で鍵を別のサーバーに預けてください。', detail: keyProblems.join('; ') } : ok('keys.files', '鍵ファイルは所有者だけが読め、データベースの外にあります', `${keyFiles.length} key file(s)`));
  out.push(config.keyProvider === 'vault-transit' ? ok('keys.kms', '暗号鍵は外部の鍵管理サーバー(Vault transit)にあります') : { id: 'keys.kms', title: '暗号鍵が同じサーバーにあります', status: 'info', severity: 'low', fix: 'サーバーごと盗まれた場合に備え、MASTER_KEY_PROVIDER=vault-transit で鍵を別のサーバーに預けることを検討してください。', detail: `MASTER_KEY_PROVIDER=${config.keyProvider}` });

  const weak = ['HEALTH_TOKEN', 'ALERT_WEBHOOK_SECRET', 'VAULT_TOKEN'].filter((k) => env[k] && weakSecret(env[k]!));
  if (config.production && env.STRIPE_SECRET_KEY?.startsWith('sk_test_')) weak.push('STRIPE_SECRET_KEY (test key in production)');
  out.push(weak.length ? { id: 'secrets.weak', title: '推測されやすい秘密の値があります', status: 'fail', severity: 'high', fix: '次の値を `openssl rand -base64 32` などで作った長いランダムな値に替えてください: ' + weak.join(', '), detail: weak.join(', ') } : ok('secrets.weak', '既定値や短い秘密の値は使われていません'));

  out.push(config.backupIntervalHours > 0 ? ok('backup.schedule', `バックアップは ${config.backupIntervalHours} 時間ごとです`) : { id: 'backup.schedule', title: '定期バックアップが設定されていません', status: 'fail', severity: 'high', fix: 'BACKUP_INTERVAL_HOURS=24 などを設定し、BACKUP_DIR を別のディスクやサーバーにしてください(ランサムウェアや誤操作からの復旧に必要です)。' });
  out.push(config.retentionCustomerInactiveDays > 0 ? ok('retention.customers', `${config.retentionCustomerInactiveDays} 日使われていないお客様の個人情報は自動で消去されます`) : { id: 'retention.customers', title: '個人情報の保存期間が決められていません', status: 'warn', severity: 'medium', fix: 'RETENTION_CUSTOMER_INACTIVE_DAYS(例: 1095 = 3年)を設定してください。持っていない情報は漏れません。' });

  const icfg = integrityConfig(config, env);
  const loaded = loadManifest(icfg);
  if (loaded.status === 'missing') out.push({ id: 'integrity.baseline', title: 'ファイル改ざん検知の基準(署名済みマニフェスト)がありません', status: 'fail', severity: 'critical', fix: 'デプロイのたびに `omamori integrity baseline` を実行してください。基準がない間はカード決済が止まります。' });
  else if (loaded.status === 'bad_signature') out.push({ id: 'integrity.baseline', title: 'ファイル改ざん検知の基準の署名が正しくありません', status: 'fail', severity: 'critical', fix: '誰かが基準を書き換えた可能性があります。「アラート」を確認し、正しい版をデプロイし直してから `omamori integrity baseline` を実行してください。', detail: loaded.reason });
  else {
    const age = ageDays(now, new Date(loaded.manifest.createdAt));
    out.push(age > 90 ? { id: 'integrity.baseline', title: `ファイル改ざん検知の基準が ${age} 日前のものです`, status: 'warn', severity: 'low', fix: '更新(npm のセキュリティ修正を含む)をデプロイしたら、`omamori integrity baseline` で基準を作り直してください。', detail: loaded.manifest.createdAt } : ok('integrity.baseline', `ファイル改ざん検知の基準は署名済みで ${age} 日前のものです`, loaded.manifest.createdAt));
  }
  return out;
}

async function stateChecks(input: DoctorInput, now: Date): Promise<DoctorCheck[]> {
  const { db, config } = input;
  const out: DoctorCheck[] = [];
  const open = await sql<{ n: number }>`select count(*)::int as n from integrity_finding where acknowledged_at is null`.execute(db);
  const openN = Number(open.rows[0]?.n ?? 0);
  out.push(openN ? { id: 'state.integrity_findings', title: `未確認のファイル改ざん検知が ${openN} 件あります(カード決済は停止中)`, status: 'fail', severity: 'critical', fix: '「セキュリティ > ファイルの整合性」で内容を確認してください。身に覚えのない変更なら、インシデントとして対応してください。' } : ok('state.integrity_findings', '未確認のファイル改ざん検知はありません'));

  const pan = await db.selectFrom('pan_scan_run').select(['status', 'started_at', 'finished_at']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!pan) out.push({ id: 'state.pan_scan', title: 'カード番号の保存チェックがまだ一度も実行されていません', status: 'warn', severity: 'medium', fix: '`omamori scan-pan` を実行してください(店を動かしていれば定期的に実行されます)。' });
  else if (pan.status === 'found' || pan.status === 'failed') out.push({ id: 'state.pan_scan', title: pan.status === 'found' ? '保存データにカード番号らしき数字が見つかっています' : 'カード番号の保存チェックが失敗しました', status: 'fail', severity: 'critical', fix: '「アラート」を確認してください。カード番号は保存してはいけません(PCI DSS 3.3, 12.10.7)。', detail: `${pan.status} ${new Date(pan.started_at).toISOString()}` });
  else out.push(ageDays(now, new Date(pan.finished_at ?? pan.started_at)) > 2 ? { id: 'state.pan_scan', title: 'カード番号の保存チェックが2日以上実行されていません', status: 'warn', severity: 'medium', fix: '店が止まっていないか、`omamori watchdog` で確認してください。' } : ok('state.pan_scan', 'カード番号の保存チェック: 最新の結果は問題なし', new Date(pan.started_at).toISOString()));

  const malware = await lastMalwareScan(db);
  if (!malware) out.push({ id: 'state.malware_scan', title: 'Web シェル・スキマーの点検がまだ一度も実行されていません', status: 'warn', severity: 'medium', fix: '`omamori scan-malware` を実行してください(店を動かしていれば1時間ごとに実行されます)。' });
  else if (malware.findings.length) out.push({ id: 'state.malware_scan', title: `Web シェル・スキマーの点検で ${malware.findings.length} 件見つかっています`, status: 'fail', severity: 'critical', fix: '「アラート」で場所を確認し、ファイルを調べてから削除してください。侵入経路の調査が必要です。', detail: malware.findings.map((f) => f.location).slice(0, 5).join(', ') });
  else out.push(ok('state.malware_scan', `Web シェル・スキマーの点検: 最新の結果は問題なし(${malware.scanned + malware.vouched} ファイル、${malware.stored} 件の保存内容)`, malware.at.toISOString()));

  const checkpoint = await sql<{ at: Date }>`select max(created_at) as at from audit_checkpoint`.execute(db).catch(() => ({ rows: [] as Array<{ at: Date }> }));
  const cpAt = checkpoint.rows[0]?.at ? new Date(checkpoint.rows[0].at) : null;
  out.push(cpAt && now.getTime() - cpAt.getTime() < 2 * day ? ok('state.audit', '監査ログの署名付きチェックポイントが記録されています', cpAt.toISOString()) : { id: 'state.audit', title: '監査ログの署名付きチェックポイントが2日以上ありません', status: 'warn', severity: 'medium', fix: '店が動いているか確認し、`omamori audit verify` を実行してください。', detail: cpAt?.toISOString() ?? 'none' });

  const backup = newestFile(config.backupDir, 'omamori-backup-');
  out.push(backup && now.getTime() - backup.getTime() < 2 * Math.max(config.backupIntervalHours, 24) * 3600_000 ? ok('state.backup', 'バックアップが最近作られています', backup.toISOString()) : { id: 'state.backup', title: backup ? `最新のバックアップが ${ageDays(now, backup)} 日前です` : 'バックアップがありません', status: 'fail', severity: 'high', fix: '`omamori backup create` を実行し、BACKUP_INTERVAL_HOURS で定期バックアップを設定してください。復元の練習(`omamori backup verify`)もしてください。' });

  const drill = await sql<{ finished_at: Date; missed: number }>`select finished_at, missed from drill_run order by id desc limit 1`.execute(db).catch(() => ({ rows: [] as Array<{ finished_at: Date; missed: number }> }));
  const d = drill.rows[0];
  out.push(!d ? { id: 'state.drill', title: '攻撃の訓練(ドリル)がまだ行われていません', status: 'warn', severity: 'low', fix: 'ステージング環境で `omamori drill all --target URL --token TOKEN` を実行し、防御が働くことを確かめてください。' } : d.missed > 0 ? { id: 'state.drill', title: `最新の訓練で見逃しが ${d.missed} 件ありました`, status: 'fail', severity: 'high', fix: '訓練の報告を確認し、見逃した攻撃への対策を設定してください。', detail: new Date(d.finished_at).toISOString() } : ageDays(now, new Date(d.finished_at)) > 90 ? { id: 'state.drill', title: '最新の訓練が90日以上前です', status: 'warn', severity: 'low', fix: '四半期に一度は訓練を行ってください。', detail: new Date(d.finished_at).toISOString() } : ok('state.drill', '最新の訓練ではすべて防ぐか検知できました', new Date(d.finished_at).toISOString()));

  const page = await db.selectFrom('page_baseline').select('created_at').orderBy('id', 'desc').limit(1).executeTakeFirst();
  out.push(page ? ok('state.page_watch', '決済ページの監視に承認済みの基準があります', new Date(page.created_at).toISOString()) : { id: 'state.page_watch', title: '決済ページの監視がまだ基準を持っていません', status: 'warn', severity: 'medium', fix: '店を起動すると決済ページの監視が始まります。「セキュリティ > 決済ページ」で状態を確認してください。' });
  return out;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ stdout: string; code: number | null }> {
  return new Promise((res) => {
    // Fixed arguments only: nothing from a request or the environment reaches this command line.
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => res({ stdout: String(stdout), code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1 : 0 }));
  });
}

async function dependencyChecks(input: DoctorInput, now: Date): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  const lock = join(projectRoot, 'package-lock.json');
  if (existsSync(lock)) {
    const age = ageDays(now, statSync(lock).mtime);
    out.push(age > 180 ? { id: 'deps.lockfile_age', title: `依存パッケージが ${age} 日間更新されていません`, status: 'warn', severity: 'medium', fix: '`npm outdated` と `npm audit` を確認し、更新して検証したうえでデプロイしてください。', detail: `${age} days` } : ok('deps.lockfile_age', `依存パッケージの一覧(lockfile)は ${age} 日前に更新されています`));
  }
  if (input.npmAudit) {
    const r = await run('npm', ['audit', '--json', '--omit=dev'], projectRoot, 120_000);
    try {
      const v = (JSON.parse(r.stdout) as { metadata?: { vulnerabilities?: Record<string, number> } }).metadata?.vulnerabilities ?? {};
      const crit = v.critical ?? 0;
      const high = v.high ?? 0;
      const moderate = v.moderate ?? 0;
      const detail = `critical ${crit}, high ${high}, moderate ${moderate}, low ${v.low ?? 0}`;
      out.push(crit || high ? { id: 'deps.audit', title: `既知の脆弱性のある依存パッケージがあります(重大 ${crit}、高 ${high})`, status: 'fail', severity: crit ? 'critical' : 'high', fix: '`npm audit` の内容を確認し、`npm audit fix` または該当パッケージの更新をしてから、テストとデプロイをしてください。', detail } : moderate ? { id: 'deps.audit', title: `中程度の脆弱性のある依存パッケージが ${moderate} 件あります`, status: 'warn', severity: 'medium', fix: '次の更新の機会に `npm audit fix` を行ってください。', detail } : ok('deps.audit', '既知の脆弱性のある依存パッケージはありません(npm audit)', detail));
    } catch {
      out.push({ id: 'deps.audit', title: 'npm audit を実行できませんでした', status: 'warn', severity: 'low', fix: 'npm のレジストリに接続できるか確認し、`npm audit` を手で実行してください。' });
    }
  } else {
    out.push({ id: 'deps.audit', title: '依存パッケージの脆弱性は今回は確認していません', status: 'info', severity: 'info', fix: '`omamori doctor --audit` で npm audit の結果を含めて確認できます。' });
  }
  out.push({ id: 'deps.sbom', title: 'ソフトウェア部品表(CycloneDX SBOM)を出力できます', status: 'info', severity: 'info', fix: '`omamori doctor sbom > sbom.json` で、いま動いている版の部品表を作れます。' });
  return out;
}

async function fetchPage(url: string, init: RequestInit = {}): Promise<PageResponse & { redirected?: string | null }> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000), ...init });
  const headers: Record<string, string | string[]> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  const cookies = res.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  const body = (res.headers.get('content-type') ?? '').includes('html') ? (await res.text()).slice(0, 2_000_000) : (await res.arrayBuffer(), '');
  return { url, status: res.status, headers, body, redirected: res.headers.get('location') };
}

/** Paths that must never answer on a shop (PCI/ASVS 13.4: no .git, .env, backups, listings). */
export const exposedPaths = ['/.git/HEAD', '/.git/config', '/.env', '/.env.production', '/backup.zip', '/backup.sql', '/db.sql', '/data/', '/backups/', '/static/', '/node_modules/', '/package.json', '/.DS_Store', '/server-status', '/phpinfo.php', '/.htpasswd'];

async function liveChecks(url: string): Promise<{ checks: DoctorCheck[]; observatory: DoctorReport['observatory'] }> {
  const out: DoctorCheck[] = [];
  const base = new URL(url);
  const page = await fetchPage(base.toString());
  let httpRedirect: PageResponse['httpRedirect'] = null;
  if (base.protocol === 'https:') {
    const plain = new URL(base.toString());
    plain.protocol = 'http:';
    plain.port = '';
    httpRedirect = await fetchPage(plain.toString()).then((r) => ({ location: r.redirected ?? null, status: r.status })).catch(() => null);
  }
  const grade = observatoryGrade({ ...page, httpRedirect });
  const failing = grade.tests.filter((t) => !t.pass).map((t) => `${t.result} (${t.modifier})`);
  out.push(grade.score >= 90 ? ok('live.headers', `セキュリティ関連ヘッダーの評価は ${grade.grade}(${grade.score} 点、MDN HTTP Observatory の採点方式)です`, failing.join(', ')) : { id: 'live.headers', title: `セキュリティ関連ヘッダーの評価が ${grade.grade}(${grade.score} 点)です`, status: grade.score >= 70 ? 'warn' : 'fail', severity: 'high', fix: 'お店の前にあるプロキシや CDN がヘッダーを消していないか確認してください。足りない項目: ' + failing.join(', '), detail: failing.join(', ') });

  const exposed: string[] = [];
  for (const p of exposedPaths) {
    const r = await fetchPage(new URL(p, base).toString()).catch(() => null);
    if (!r || r.status !== 200) continue;
    // A shop page that answers 200 for anything is not an exposure: a listing or a file body is.
    if (/<title>Index of|Directory listing|^\s*\[core\]|ref: refs\/|^[A-Z_]+=|"dependencies"/im.test(r.body) || !(String(r.headers['content-type'] ?? '').includes('html'))) exposed.push(p);
  }
  out.push(exposed.length ? { id: 'live.exposed_paths', title: `公開してはいけないファイルやフォルダが見えています: ${exposed.join(', ')}`, status: 'fail', severity: 'critical', fix: 'Web サーバーやプロキシの設定で、これらのパスへのアクセスを拒否してください。.git や .env やバックアップが見えると、パスワードや鍵やお客様の情報が盗まれます。', detail: exposed.join(', ') } : ok('live.exposed_paths', `公開してはいけないパス(${exposedPaths.length} 種類: .git、.env、バックアップ、一覧表示など)は見えません`));
  return { checks: out, observatory: { url: base.toString(), score: grade.score, grade: grade.grade, tests: grade.tests } };
}

/** The ports the store itself listens on (and the database and Redis, checked separately below). */
export function expectedPorts(config: Config): number[] {
  return [config.port, config.adminPort ?? -1, 5432, 6379];
}

function portChecks(config: Config): DoctorCheck[] {
  const sockets = listeningSockets();
  if (!sockets) return [{ id: 'host.ports', title: '待ち受けポートは確認できませんでした(Linux 以外)', status: 'info', severity: 'info', fix: '' }];
  const exposed = unexpectedListeners(expectedPorts(config)) ?? [];
  const dbExposed = sockets.filter((s) => !s.loopback && (s.port === 5432 || s.port === 6379));
  const list = (xs: typeof sockets) => [...new Set(xs.map((s) => `${s.address}:${s.port}`))].join(', ');
  const checks: DoctorCheck[] = [];
  checks.push(exposed.length ? { id: 'host.ports', title: `想定外のポートが外から接続できる状態で待ち受けています: ${list(exposed)}`, status: 'warn', severity: 'high', fix: '使っていないサービスを止めるか、ファイアウォールで外部から閉じてください。身に覚えがなければ侵入(バックドア)の可能性があります。', detail: list(exposed) } : ok('host.ports', '外から接続できる待ち受けポートは想定どおりです', list(sockets.filter((s) => !s.loopback))));
  checks.push(dbExposed.length ? { id: 'host.db_ports', title: 'データベースまたは Redis が外から接続できる状態です', status: 'fail', severity: 'critical', fix: 'PostgreSQL と Redis は 127.0.0.1 か社内ネットワークだけで待ち受けるように設定してください。', detail: list(dbExposed) } : ok('host.db_ports', 'データベースと Redis は外から接続できません'));
  return checks;
}

function checklist(checks: DoctorCheck[], config: Config): ChecklistItem[] {
  const st = (id: string) => checks.find((c) => c.id === id)?.status;
  const good = (...ids: string[]) => ids.every((id) => st(id) === 'pass' || st(id) === undefined);
  return [
    { id: 'jca.1', title: '1. 管理画面のアクセス制限と管理者の ID・パスワード管理', status: good('admin.access', 'staff.2fa', 'staff.unused') ? 'met' : 'partial', evidence: '管理画面の接続元制限/別ポート、スタッフ全員の2段階認証、10回以下の失敗でのロック(30分)、未使用アカウントの確認', todo: good('admin.access', 'staff.2fa', 'staff.unused') ? '管理に使う PC のセキュリティ(OS 更新、ウイルス対策)はお店の運用で行ってください。' : 'この診断の「管理画面」「2段階認証」「未使用アカウント」の修正を行ってください。' },
    { id: 'jca.2', title: '2. データディレクトリの露見に伴う設定不備への対策', status: st('live.exposed_paths') === 'pass' && good('keys.files') ? 'met' : 'partial', evidence: 'アップロードは公開フォルダの外に保存し画像の種類だけ許可、.git/.env/バックアップ等の公開チェック、鍵ファイルの権限', todo: st('live.exposed_paths') === undefined ? '`omamori doctor --url https://お店のURL` で外から見えるパスを確認してください。' : '' },
    { id: 'jca.3', title: '3. Web アプリケーションの脆弱性対策', status: good('deps.audit', 'live.headers') && st('state.drill') === 'pass' ? 'met' : 'partial', evidence: 'SQL は常にパラメータ化、HTML は自動エスケープ、CSP と SRI、依存パッケージの脆弱性確認(npm audit)、攻撃の訓練(omamori drill)', todo: '年に一度以上、または大きな変更の後に、脆弱性診断(ペネトレーションテスト)を実施してください。' },
    { id: 'jca.4', title: '4. マルウェア対策としてのウイルス対策ソフトの導入・運用', status: good('state.malware_scan') ? 'met' : 'partial', evidence: 'YARA による Web シェル・スキマー点検(1時間ごと)、署名済みファイル改ざん検知(1分ごと)', todo: 'サーバーと管理用 PC にウイルス対策ソフトを導入し、定義ファイルを最新に保ってください。' },
    { id: 'jca.5', title: '5. 悪質な有効性確認(クレジットマスター)への対策', status: 'met', evidence: '接続元・カートごとのカード試行回数の制限と遮断、カード試行の多発の検知とアラート、エラー内容を詳しく返さない', todo: '決済代行会社の不正検知サービス(不正検知・CAPTCHA)の利用も検討してください。' },
    { id: 'jca.6', title: '6. 会員登録・ログイン・属性変更時の不正ログイン対策', status: 'met', evidence: 'ログイン試行の制限と一時ロック、リスト型攻撃の検知、お客様の2段階認証、新しい端末からのログインやメール変更の通知', todo: '' },
    { id: 'jca.3ds', title: 'EMV 3-D セキュア(本人認証)の導入', status: config.paymentProvider === 'stripe' ? 'partial' : 'met', evidence: 'カード決済は決済代行会社の決済ページで 3-D セキュアを要求', todo: '決済代行会社の管理画面で、すべての取引に 3-D セキュアを必須にする設定を確認してください。' },
    { id: 'jca.hihoji', title: 'カード情報の非保持化', status: good('state.pan_scan') ? 'met' : 'partial', evidence: 'カード番号は決済代行会社のページで入力(リダイレクト型)、入力欄でのカード番号の拒否、保存データのカード番号チェック', todo: '' },
  ];
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const now = input.now ?? new Date();
  const checks = [...(await configChecks(input, now)), ...(await stateChecks(input, now)), ...(await dependencyChecks(input, now)), ...portChecks(input.config)];
  let observatory: DoctorReport['observatory'];
  if (input.url) {
    try {
      const live = await liveChecks(input.url);
      checks.push(...live.checks);
      observatory = live.observatory;
    } catch (err) {
      checks.push({ id: 'live.headers', title: `${input.url} に接続できませんでした`, status: 'warn', severity: 'medium', fix: 'URL が正しいか、お店が動いているか確認してください。', detail: (err as Error).message.slice(0, 200) });
    }
  }
  checks.sort(byRisk);
  return { at: now.toISOString(), score: scoreOf(checks), checks, checklist: checklist(checks, input.config), observatory };
}
