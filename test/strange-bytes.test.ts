import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { validForm } from '../src/checkout/test-helpers.ts';
import { chromiumPath, launchBrowser } from './browser.ts';
import { crawlForms, formsOf, shapeOf, submitForm, textFields, type FoundForm } from './card-proof-forms.ts';
import { TestClient, type TestResponse } from './client.ts';
import { startTestStore, type TestStore } from './harness.ts';
import { deref, pick, sample, setAt, typeOf, type Schema } from './openapi-sample.ts';
import { customerClient, staffClient } from './sessions.ts';

/**
 * Issue 10 §3: strange bytes (NUL, other control characters, invalid UTF-8 raw or percent-encoded, overlong
 * forms, encoded and escaped lone surrogates) sent to every operation of the OpenAPI document, every HTML form
 * of the storefront and the console, and GET pages by path and query. No answer is a 500, each is a 400 or 422,
 * and the log (captured in memory at level info) holds no error with a stack trace.
 */

const noChromium = existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;

/** Percent-encoded, as they arrive in a path or query. */
const encoded = ['%00', 'a%00b', '%01', '%1B%5B31m', '%7F', '%C2%85', '%C3%28', '%C0%AF', '%E0%80%AF', '%ED%A0%80', '%F8%88%80%80%80', '%FF', '%80'];
/** As decoded characters in a JSON or form value (a JSON `\u0000` escape is valid UTF-8 and still a NUL). */
const decoded = ['\u0000', 'x\u0000y', '\u0001', '\u0008', '\u001b[31m', '\u007f', '\u0085', '\ud800', 'a\udfff'];
/** Raw invalid UTF-8 byte sequences in a body. */
/** What a form can carry (a lone surrogate is sent as U+FFFD by a browser and by URLSearchParams). */
const formDecoded = decoded.filter((d) => !/[\ud800-\udfff]/.test(d));
const rawBytes = [[0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0x80]];

const logLines: string[] = [];
let store: TestStore;
let browser: Browser;

before(async () => {
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) }));
  store = await startTestStore({ seed: true, logger });
  if (!noChromium) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await store?.close();
});

const tally = { requests: 0, statuses: new Map<number, number>() };
function expectRefused(res: TestResponse, what: string, allowed: number[] = [400, 422]) {
  tally.requests++;
  tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
  assert.notEqual(res.status, 500, `${what}: 500 ${res.text.slice(0, 300)}`);
  assert.ok(allowed.includes(res.status), `${what}: ${res.status} ${res.text.slice(0, 300)}`);
}

function noStackTraces() {
  const errors = logLines.map((l) => JSON.parse(l) as { level: number; msg?: string; err?: { stack?: string } }).filter((l) => l.level >= 50 && (l.err?.stack || /unhandled/.test(l.msg ?? '')));
  assert.deepEqual(errors.map((e) => `${e.msg}: ${e.err?.stack?.split('\n')[0]}`), [], 'no error with a stack trace in the log');
}

/** A client that puts raw bytes where a marker is: the invalid UTF-8 of a form body cannot be written as a JS string. */
class RawClient extends TestClient {
  constructor(
    private readonly inner: TestClient,
    private readonly raw: string,
  ) {
    super(inner.baseUrl);
  }
  override request(method: string, path: string, init: { body?: string | FormData | URLSearchParams; headers?: Record<string, string> } = {}) {
    const body = init.body instanceof URLSearchParams ? init.body.toString().replaceAll('STRANGE', this.raw) : init.body;
    return this.inner.request(method, path.replaceAll('STRANGE', this.raw), { ...init, body });
  }
}

test('strange bytes in the path and query of pages: 400 in the store frame, localized, before any handler', async () => {
  const slug = (await store.ctx.db.selectFrom('product').select('slug').executeTakeFirstOrThrow()).slug;
  const { client: owner } = await staffClient(store, 'owner');
  const guest = new TestClient(store.url);
  const pages = ['/', '/products', `/p/${slug}`, '/cart', '/checkout', '/account/sign-in', '/orders/1', '/healthz', '/admin', '/admin/orders', '/admin/products', '/admin/customers', '/api/store/products'];
  for (const page of pages) {
    const client = page.startsWith('/admin') ? owner : guest;
    for (const bad of encoded) {
      expectRefused(await client.get(`${page}${page.includes('?') ? '&' : '?'}q=${bad}`), `GET ${page}?q=${bad}`, [400]);
      expectRefused(await client.get(`${page === '/' ? '' : page}/${bad}`), `GET ${page}/${bad}`, [400]);
    }
  }
  const ja = await guest.get(`/p/${slug}%00`);
  assert.equal(ja.status, 400);
  assert.match(ja.text, /制御文字または不正な UTF-8/);
  assert.match(ja.text, /<title>エラー 400<\/title><link rel="stylesheet" href="\/static\/css\/store.css/, "the store's error frame");
  const en = await guest.get('/products?q=%C3%28&lang=en');
  assert.match(en.text, /control characters or invalid UTF-8/);
  const api = await guest.request('GET', '/api/store/products?q=%00', { headers: { accept: 'application/json' } });
  assert.equal(api.json<{ error: { code: string } }>().error.code, 'bad_request');
  // Cookies and headers the store reads.
  expectRefused(await guest.get('/cart', { cookie: 'lang=%00' }), 'cookie lang=%00', [400]);
  expectRefused(await guest.request('GET', '/api/store/carts/current', { headers: { 'x-cart-token': Buffer.from([0x61, 0xc3, 0x28]).toString('latin1') } }), 'x-cart-token with invalid UTF-8', [400]);
  // An old client's Latin-1 User-Agent (not UTF-8, no control character) is not locked out; a UTF-8 one neither.
  assert.equal((await guest.get('/products', { 'user-agent': Buffer.from('Mozilla/4.0 (\u00a9 1999)', 'latin1').toString('latin1') })).status, 200);
  assert.equal((await guest.get('/products', { 'user-agent': Buffer.from('ショップアプリ/1.0', 'utf8').toString('latin1') })).status, 200);
  // Benign Japanese text (and tab/CR/LF in a field) passes.
  assert.equal((await guest.get(`/products?q=${encodeURIComponent('珈琲　豆\tマグ\r\n')}`)).status, 200);
  noStackTraces();
});

test('strange bytes in every operation of the OpenAPI document: path parameters, query, JSON values, keys and raw bytes', async () => {
  const api = new TestClient(store.url);
  const doc = (await api.get('/api/openapi.json')).json<any>();
  const { client: customer } = await customerClient(store);
  void customer;
  const cart = await api.json('POST', '/api/store/carts');
  const headers = { 'x-cart-token': cart.json<{ token?: string }>().token ?? '' };
  const operations: string[] = [];
  let i = 0;
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const M = method.toUpperCase();
      operations.push(`${M} ${path}`);
      const params: Schema[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(doc, p));
      const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name as string);
      const url = (param?: string, bad?: string) => path.replace(/\{([^}]+)\}/g, (_m, name: string) => (name === param ? `1${bad}` : '1'));
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const body = () => (schema ? sample(doc, schema) : undefined);
      const send = (u: string, b: unknown) => api.json(M, u, b, headers);
      for (const p of pathParams) for (const bad of encoded) expectRefused(await send(url(p, bad), body()), `${M} ${path} params.${p}=${bad}`, [400]);
      for (const bad of encoded) expectRefused(await send(`${url()}?q=${bad}`, body()), `${M} ${path} ?q=${bad}`, [400]);
      for (const p of params.filter((x) => x.in === 'query')) expectRefused(await send(`${url()}?${p.name}=${encoded[i++ % encoded.length]}`, body()), `${M} ${path} query.${p.name}`, [400]);
      if (!schema) continue;
      for (const leaf of stringLeaves(doc, schema)) {
        const b = body();
        const bad = decoded[i++ % decoded.length]!;
        if (leaf.length === 0) expectRefused(await send(url(), bad), `${M} ${path} body`);
        else {
          setAt(b, leaf, bad);
          expectRefused(await send(url(), b), `${M} ${path} body.${leaf.join('.')} = ${JSON.stringify(bad)}`);
        }
      }
      const keyed = body();
      if (keyed && typeof keyed === 'object' && !Array.isArray(keyed)) {
        (keyed as Record<string, unknown>)[`k${decoded[i++ % decoded.length]}`] = 'x';
        expectRefused(await send(url(), keyed), `${M} ${path} body.<key>`);
      }
      for (const bytes of rawBytes) {
        const json = Buffer.from(JSON.stringify(body() ?? {}).replace(/"[^"]*"(?=\s*[,}\]])/, '"MARK"'));
        const at = json.indexOf('MARK');
        const raw = at < 0 ? Buffer.concat([Buffer.from('"'), Buffer.from(bytes), Buffer.from('"')]) : Buffer.concat([json.subarray(0, at), Buffer.from(bytes), json.subarray(at + 4)]);
        expectRefused(await api.request(M, url(), { body: raw as unknown as string, headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' } }), `${M} ${path} raw ${Buffer.from(bytes).toString('hex')}`);
      }
    }
  }
  console.log(`# API: ${operations.length} operations, ${tally.requests} requests so far, statuses ${JSON.stringify(Object.fromEntries(tally.statuses))}`);
  assert.ok(operations.length >= 20, `only ${operations.length} operations`);
  noStackTraces();
});

/** Paths to the string leaves of a request schema (enums included: a strange value there must not reach a query either). */
function stringLeaves(doc: any, raw: Schema, path: string[] = []): string[][] {
  const s = pick(doc, raw);
  const t = typeOf(s);
  if (s.enum || s.const !== undefined) return [path];
  if (t === 'object') return Object.entries<Schema>(s.properties ?? {}).flatMap(([k, v]) => stringLeaves(doc, v, [...path, k]));
  if (t === 'array') return stringLeaves(doc, s.items ?? {}, [...path, '0']);
  if (t === 'integer' || t === 'number' || t === 'boolean') return [];
  return [path];
}

test('strange bytes in every HTML form of the storefront and the console', { skip: noChromium }, async () => {
  const { db } = store.ctx;
  const guest = new TestClient(store.url);
  const variant = await db.selectFrom('variant').select('id').where('stock', '>', 5).orderBy('id').executeTakeFirstOrThrow();
  assert.equal((await guest.postForm('/cart/items', { variant_id: variant.id, quantity: 1 })).status, 303);
  const { client: customer } = await customerClient(store);
  const address = { name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '03-1234-5678' };
  assert.equal((await customer.postForm('/account/addresses', address)).status, 303);
  const { client: owner } = await staffClient(store, 'owner');

  const parser = await (await browser.newContext()).newPage();
  const storefront = (p: string) => !p.startsWith('/admin') && !p.startsWith('/api') && !p.startsWith('/static') && !p.startsWith('/checkout/card/pay');
  const guestCrawl = await crawlForms({ client: guest, parser, seeds: ['/', '/cart', '/checkout', '/account/sign-in', '/account/register', '/account/password/forgot'], include: storefront, perShape: 1 });
  guestCrawl.forms.push(...(await formsOf(parser, guest, '/checkout/review', await guest.postForm('/checkout/review', validForm))));
  const customerCrawl = await crawlForms({ client: customer, parser, seeds: ['/account', '/account/addresses'], include: storefront, perShape: 1 });
  const ownerCrawl = await crawlForms({ client: owner, parser, seeds: ['/admin', '/admin/step-up', '/admin/password'], include: (p) => p.startsWith('/admin') && !p.includes('/export'), perShape: 1 });
  const shapes = new Set([...guestCrawl.forms, ...customerCrawl.forms, ...ownerCrawl.forms].map((f) => `${f.method} ${shapeOf(f.action)}`));
  for (const want of ['post /cart/items', 'post /checkout/review', 'post /checkout/place', 'post /account/addresses', 'post /admin/products', 'post /admin/products/:id/images', 'get /products']) assert.ok(shapes.has(want), `no form ${want}: ${[...shapes].join(', ')}`);

  let posts = 0;
  const resend = async (client: TestClient, forms: FoundForm[], label: string) => {
    for (const form of forms) {
      if (!form.action.startsWith('/')) continue;
      const what = (field: string) => `${label} ${form.method.toUpperCase()} ${form.action} [${field}] (form on ${form.page})`;
      const submitter = form.submitters[0];
      const fields = textFields(form);
      // A GET form's fields travel in the query: refused as a request (400); a POST field: 400 or 422.
      for (const f of fields) {
        expectRefused(await submitForm(client, form, { [f.name]: `a${formDecoded[posts++ % formDecoded.length]}b` }, submitter), what(f.name));
      }
      expectRefused(await submitForm(client, form, { memo: '\u0000' }, submitter), what('memo NUL'));
      posts++;
      if (!form.multipart) {
        // Invalid UTF-8, percent-encoded in the form body or query.
        const raw = new RawClient(client, encoded[6 + (posts % 6)]!);
        expectRefused(await submitForm(raw, form, { [fields[0]?.name ?? 'memo']: 'STRANGE' }, submitter), what(`${fields[0]?.name ?? 'memo'} invalid UTF-8`));
        posts++;
      } else {
        expectRefused(await submitForm(client, form, {}, submitter, 'photo\u0000.png'), what('file name NUL'));
        posts++;
      }
    }
  };
  await resend(guest, guestCrawl.forms, 'guest');
  await resend(customer, customerCrawl.forms, 'customer');
  await resend(owner, ownerCrawl.forms, 'owner');
  const formCount = guestCrawl.forms.length + customerCrawl.forms.length + ownerCrawl.forms.length;
  console.log(`# forms: ${formCount} forms (${shapes.size} actions), ${posts} requests; all requests ${tally.requests}, statuses ${JSON.stringify(Object.fromEntries(tally.statuses))}`);
  assert.ok(formCount >= 40, `only ${formCount} forms`);
  // Everyone is still signed in: the refused sign-out forms changed nothing.
  assert.equal((await owner.get('/admin')).status, 200);
  assert.equal((await customer.get('/account')).status, 200);
  noStackTraces();
});
