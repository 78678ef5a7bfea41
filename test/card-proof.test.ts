import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { PAN_SCAN_TASK } from '../src/detection/service.ts';
import { runPanScan } from '../src/platform/card-numbers/scan.ts';
import { startCardStore, payOnGateway, placeCardOrder } from '../src/payments/card/test-helpers.ts';
import { createLogger } from '../src/platform/logger.ts';
import { chromiumPath, fillGuestCheckout, fillHostedCardForm, guestAtCheckout, launchBrowser, screenshot } from './browser.ts';
import { apiCases } from './card-proof-api.ts';
import { crawlForms, formsOf, shapeOf, submitForm, textFields, type FoundForm } from './card-proof-forms.ts';
import { TestClient, type TestResponse } from './client.ts';
import { styles, validCards, stripeTestCards } from './fixtures/cards.ts';
import type { TestStore } from './harness.ts';
import { validForm } from '../src/checkout/test-helpers.ts';
import { customerClient, staffClient } from './sessions.ts';

/**
 * The proof test of issue 3 (T1, T2, T5; PCI DSS 12.10.7): a card purchase with a 3-D Secure challenge in a
 * real browser, then every write operation of the API and every HTML form of the storefront and the admin
 * console sent again with card numbers in every field, then the card-number scanner (the code behind
 * `omamori scan-pan` and the scheduled scan) over the database, the store's log file and DATA_DIR: it must
 * find nothing. Runs on PGlite and on PostgreSQL (a normal test file, so scripts/test.mjs runs it twice).
 */

const noChromium = existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;

/** Below these the crawl or the document has lost something, and the proof would prove less than it says. */
const minimum = { apiOperations: 8, apiRequests: 50, storeForms: 20, adminForms: 30, formPosts: 200 };
/** Forms the proof must reach (shapes as `shapeOf` writes them). */
const mustReach = ['post /cart/items', 'post /checkout/review', 'post /account/addresses', 'post /admin/products', 'post /admin/settings', 'post /admin/orders/:key/card/refund', 'post /checkout/place', 'post /checkout/card/cancel', 'get /products'];

// Stripe's 3-D Secure 2 test card ("authentication required")
const challengeCard = stripeTestCards.threeDsChallenge;

let store: TestStore;
let browser: Browser;
let logFile = '';

before(async () => {
  if (noChromium) return;
  store = await startCardStore({
    seed: true,
    // The production logger (redaction and the last-line card filter) writing where the scanner looks.
    logger: (dataDir) => {
      logFile = join(dataDir, 'logs', 'store.log');
      return createLogger('info', pino.destination({ dest: logFile, sync: true, mkdir: true }));
    },
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await store?.close();
});

/** Card numbers of every brand, typed every way, in rotation: each request carries a different one. */
let seq = 0;
function cardText(): string {
  const card = validCards[seq % validCards.length]!;
  const all = Object.values(styles(card.number));
  const typed = all[(Math.floor(seq / validCards.length) + seq) % all.length]!;
  seq++;
  return [typed, `カード ${typed} でお願いします`, `card: ${typed}`][seq % 3]!;
}

const tally = { refused: 0 };
function expectRefused(res: TestResponse, what: string) {
  assert.equal(res.status, 422, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  tally.refused++;
}

async function buyWithChallengeCardInBrowser() {
  const { context, page } = await guestAtCheckout(browser, store.url, 'test-mug-10');
  await fillGuestCheckout(page, 'proof-guest@example.jp', 'card');
  await page.getByRole('button', { name: 'ご注文内容の確認へ進む' }).click();
  await page.getByRole('button', { name: '注文を確定する' }).click();
  await page.waitForURL((url) => url.origin === store.gateway!.origin);
  await fillHostedCardForm(page, challengeCard);
  await page.getByRole('button', { name: /支払う/ }).click();
  await page.waitForURL(/\/3ds$/);
  await page.getByRole('button', { name: /Complete/ }).click();
  await page.waitForURL((url) => url.pathname === '/checkout/card/return');
  await page.locator('[data-payment-state="paid"]').waitFor();
  await screenshot(page, 'card-proof-paid');
  await context.close();
  await store.gateway!.settle();
}

/** Sends one form again per field, each time with a card number in that field (an extra field when it has none). */
async function resendWithCardNumbers(client: TestClient, forms: FoundForm[], label: string): Promise<number> {
  let posts = 0;
  for (const form of forms) {
    if (!form.action.startsWith('/')) continue; // another origin's form (none on our pages; the hosted page is the gateway's)
    const fields = textFields(form);
    const what = (field: string) => `${label} ${form.method.toUpperCase()} ${form.action} [${field}] (form on ${form.page})`;
    const submitters = form.submitters.length ? form.submitters : [undefined];
    for (const submitter of submitters) {
      for (const f of fields) {
        expectRefused(await submitForm(client, form, { [f.name]: cardText() }, submitter), what(f.name));
        posts++;
      }
      // Every field at once, and a field the form does not have (a tampered page, or a form without fields).
      expectRefused(await submitForm(client, form, { ...Object.fromEntries(fields.map((f) => [f.name, cardText()])), memo: cardText() }, submitter), what('all + memo'));
      posts++;
      if (submitter) {
        expectRefused(await submitForm(client, form, { [submitter.name]: cardText() }, submitter), what(submitter.name));
        posts++;
      }
      if (form.multipart) {
        expectRefused(await submitForm(client, form, {}, submitter, `${cardText()}.png`), what('file name'));
        posts++;
      }
    }
  }
  return posts;
}

test('proof: after a 3-D Secure card purchase and card numbers sent through every API operation and every form, the scanner finds no card number in the database, the logs or DATA_DIR', { skip: noChromium }, async () => {
  const { db } = store.ctx;

  // 1. A purchase by card with the 3-D Secure challenge card, in Chromium, through the sandbox gateway.
  await buyWithChallengeCardInBrowser();
  const paid = await db.selectFrom('card_payment').select(['status', 'card_brand', 'card_last4']).executeTakeFirstOrThrow();
  assert.deepEqual(paid, { status: 'paid', card_brand: 'visa', card_last4: '3220' });

  // 2. Visitors with something on every page: a guest with a cart, a customer with an address, a paid order and
  // a card order whose card was declined (still awaiting payment), and the owner.
  const guest = new TestClient(store.url);
  const variant = await db.selectFrom('variant').select('id').orderBy('id').executeTakeFirstOrThrow();
  assert.equal((await guest.postForm('/cart/items', { variant_id: variant.id, quantity: 1 })).status, 303);
  const { client: customer } = await customerClient(store);
  const address = { name: '山田 花子', name_kana: 'ヤマダ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '03-1234-5678' };
  assert.equal((await customer.postForm('/account/addresses', address)).status, 303);
  const card = await placeCardOrder(store, { client: customer });
  await payOnGateway(card.payUrl, '4000000000000002'); // declined: the return page offers another try or a cancel
  const paidOrder = await placeCardOrder(store, { client: customer });
  await payOnGateway(paidOrder.payUrl, '4242424242424242');
  await store.gateway!.settle();
  const { client: owner } = await staffClient(store, 'owner');
  await staffClient(store, 'order_operator'); // the staff page then has a member to change

  // 3. Every form, found by crawling the rendered pages as each visitor (Chromium's parser reads them).
  const parser = await (await browser.newContext()).newPage();
  const storefront = (p: string) => !p.startsWith('/admin') && !p.startsWith('/api') && !p.startsWith('/static') && !p.startsWith('/checkout/card/pay');
  const guestCrawl = await crawlForms({ client: guest, parser, seeds: ['/', '/cart', '/checkout', '/account/sign-in', '/account/register', '/account/password/forgot', '/legal/tokushoho'], include: storefront });
  // The review page (the place-order form) is the answer to a POST: parsed from that answer.
  guestCrawl.forms.push(...(await formsOf(parser, guest, '/checkout/review', await guest.postForm('/checkout/review', validForm))));
  const customerCrawl = await crawlForms({ client: customer, parser, seeds: ['/', '/account', '/account/orders', '/account/addresses', `/orders/${card.number}`, `/orders/${paidOrder.number}`, `/checkout/card/return?order=${card.number}`], include: storefront });
  const ownerCrawl = await crawlForms({ client: owner, parser, seeds: ['/admin', `/admin/orders/${paidOrder.orderId}`, `/admin/orders/${card.orderId}`, '/admin/step-up', '/admin/password', '/admin/2fa', '/admin/sign-in'], include: (p) => p.startsWith('/admin') && !p.includes('/export') });
  const shapes = new Set([...guestCrawl.forms, ...customerCrawl.forms, ...ownerCrawl.forms].map((f) => `${f.method} ${shapeOf(f.action)}`));
  console.log(`# crawl: guest ${guestCrawl.pages.length} pages / ${guestCrawl.forms.length} forms, customer ${customerCrawl.pages.length} / ${customerCrawl.forms.length}, owner ${ownerCrawl.pages.length} / ${ownerCrawl.forms.length}; ${shapes.size} distinct form actions`);
  for (const want of mustReach) assert.ok(shapes.has(want), `the crawl reached no form ${want}; found: ${[...shapes].sort().join(', ')}`);

  // 4. Every form sent again with card numbers, the sign-out forms included (refused, so everyone stays signed in).
  const before = await tableCounts();
  const formPosts =
    (await resendWithCardNumbers(guest, guestCrawl.forms, 'guest')) +
    (await resendWithCardNumbers(customer, customerCrawl.forms, 'customer')) +
    (await resendWithCardNumbers(owner, ownerCrawl.forms, 'owner'));
  console.log(`# forms: ${guestCrawl.forms.length + customerCrawl.forms.length} storefront + ${ownerCrawl.forms.length} admin forms, ${formPosts} requests, all refused (422)`);
  assert.ok(guestCrawl.forms.length + customerCrawl.forms.length >= minimum.storeForms, `only ${guestCrawl.forms.length + customerCrawl.forms.length} storefront forms found`);
  assert.ok(ownerCrawl.forms.length >= minimum.adminForms, `only ${ownerCrawl.forms.length} admin forms found`);
  assert.ok(formPosts >= minimum.formPosts, `only ${formPosts} form requests`);
  assert.deepEqual(await tableCounts(), before, 'no refused form changed a table');

  // 5. Every POST/PUT/PATCH operation of the OpenAPI document, with a real customer token and cart token.
  const api = new TestClient(store.url);
  const doc = (await api.get('/api/openapi.json')).json();
  const apiEmail = `proof-api-${Date.now()}@example.jp`;
  const password = 'kinmokusei-no-kaori-2026';
  assert.equal((await api.json('POST', '/api/store/customers', { email: apiEmail, password, name: '鈴木 一郎' })).status, 202);
  const signIn = await api.json('POST', '/api/store/sessions', { email: apiEmail, password });
  assert.equal(signIn.status, 200, signIn.text);
  const cart = await api.json('POST', '/api/store/carts');
  const headers = { authorization: `Bearer ${signIn.json().token}`, 'x-cart-token': cart.json().token ?? '' };
  const { operations, cases } = apiCases(doc, cardText, 4242424242424242);
  const beforeApi = await tableCounts();
  for (const c of cases) expectRefused(await api.json(c.method.toUpperCase(), c.url, c.body, headers), `${c.operation} ${c.field}`);
  console.log(`# API: ${operations.length} write operations, ${cases.length} requests, all refused (422): ${operations.join(', ')}`);
  assert.ok(operations.length >= minimum.apiOperations, `only ${operations.length} write operations in the OpenAPI document`);
  assert.ok(cases.length >= minimum.apiRequests, `only ${cases.length} API requests`);
  assert.deepEqual(await tableCounts(), beforeApi, 'no refused API request changed a table');

  // 6. The scan: the scheduled task (the same runPanScan as `omamori scan-pan`) over the database, DATA_DIR/logs and DATA_DIR.
  await store.drainJobs();
  await store.gateway!.settle();
  const log = readFileSync(logFile, 'utf8');
  assert.match(log, /T2: card number refused/, 'the refusals were logged (without the numbers)');
  await store.ctx.scheduler.runNow(PAN_SCAN_TASK);
  const run = await db.selectFrom('pan_scan_run').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
  console.log(`# scan: ${run.tables_scanned} tables, ${run.columns_scanned} columns, ${run.rows_scanned} rows, ${run.files_scanned} files (log ${log.length} bytes), ${run.bytes_scanned} bytes: ${run.finds} finds`);
  assert.equal(run.status, 'clean', `${run.finds} finds: ${JSON.stringify(run.locations)} ${run.error ?? ''}`);
  assert.ok(Number(run.rows_scanned) > 100 && Number(run.files_scanned) >= 1);
  const events = await db.selectFrom('guard_event').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  assert.ok(events.n >= tally.refused, `${events.n} guard events for ${tally.refused} refusals`);

  // The log file was among the files scanned (DATA_DIR/logs is read as logs, then DATA_DIR whole).
  const files = await runPanScan({ dataDir: store.ctx.config.dataDir });
  assert.ok(files.clean && files.targets.some((t) => t.kind === 'logs' && t.files >= 1), JSON.stringify(files.targets));

  // The scanner is not blind here: the same scan over a copy of the log with one card number added finds exactly that.
  const control = mkdtempSync(join(tmpdir(), 'omamori-proof-'));
  try {
    writeFileSync(join(control, 'store.log'), `${log}{"msg":"planted 4000 0000 0000 3220"}\n`);
    const planted = await runPanScan({ paths: [control] });
    assert.deepEqual(planted.finds.map((f) => f.masked), ['400000******3220']);
  } finally {
    rmSync(control, { recursive: true, force: true });
  }
});

async function tableCounts(): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(store.ctx.db);
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    // Refusals are recorded (guard_event, the audit trail of staff requests); background tasks write their own tables.
    if (['guard_event', 'audit_entry', 'audit_checkpoint', 'job', 'page_baseline', 'pan_scan_run', 'integrity_finding', 'alert', 'security_event'].includes(table_name)) continue;
    out[table_name] = Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)}`.execute(store.ctx.db)).rows[0]!.n);
  }
  return out;
}
