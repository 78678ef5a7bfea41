import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import iconv from 'iconv-lite';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../../test/browser.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { mailsTo } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { sessionCookieBase } from '../identity/sessions/sessions.ts';
import { draftFor, makeVariant } from '../orders/test-fixtures.ts';

// Issue 16, as a packer works: tick orders in the list, download the B2クラウド file, print the slips, import the
// numbers back (check, then apply), and see the figures on the dashboard.
let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore();
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await store.close();
});

test('in a real browser: select orders, download labels and slips, import tracking numbers, see the dashboard', async () => {
  const v = await makeVariant(store, { stock: 50, price: 3000 });
  const orders = [];
  for (const email of ['pack-a@example.jp', 'pack-b@example.jp', 'pack-c@example.jp']) {
    const o = await store.services.orders.place(draftFor([{ v, quantity: 1 }], { email }));
    await store.services.orders.transition(o.id, 'paid', null, '');
    orders.push(o);
  }
  const packer = await staffClient(store, 'order_operator');
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const host = new URL(store.url).hostname;
  const name = store.services.cookies.name(sessionCookieBase.admin);
  await context.addCookies([{ name, value: packer.token, domain: host, path: '/', secure: name.startsWith('__Host-'), httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();

  await page.goto(`${store.url}/admin/orders`);
  await page.getByLabel(`注文 ${orders[0]!.number} を選ぶ`).check();
  await page.getByLabel(`注文 ${orders[1]!.number} を選ぶ`).check();
  await page.getByRole('button', { name: '選んだ注文の送り状・納品書へ' }).click();
  await page.waitForURL(/\/admin\/fulfilment\?ids=/);
  assert.match((await page.textContent('main')) ?? '', /注文一覧で選んだ注文: 2 件/);
  await screenshot(page, 'fulfilment-selected');

  const [labels] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '送り状データを書き出す' }).click()]);
  assert.match(labels.suggestedFilename(), /^omamori-labels-yamato_b2-.*\.csv$/);
  const csv = iconv.decode(await readFile((await labels.path())!), 'cp932').split('\r\n');
  assert.equal(csv.length, 4, 'header + the two selected orders');
  assert.ok(csv[1]!.startsWith(orders[0]!.number) && csv[2]!.startsWith(orders[1]!.number));

  const [slips] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '納品書PDFを作る' }).click()]);
  assert.match(slips.suggestedFilename(), /^packing-slips-.*\.pdf$/);
  assert.equal((await readFile((await slips.path())!)).subarray(0, 5).toString(), '%PDF-');

  // The numbers come back from B2クラウド as a Shift_JIS file.
  const back = `注文番号,配送業者,伝票番号\r\n${orders[0]!.number},ヤマト運輸,4000-1111-2222\r\n${orders[1]!.number},ヤマト運輸,400011112223\r\n`;
  await page.setInputFiles('#tracking-file', { name: 'b2.csv', mimeType: 'text/csv', buffer: iconv.encode(back, 'cp932') });
  await page.getByRole('button', { name: '確認する（まだ反映しません）' }).click();
  await page.getByRole('heading', { name: '発送済みにする注文（2 件）' }).waitFor();
  await screenshot(page, 'fulfilment-tracking-preview');
  assert.equal((await store.services.orders.byId(orders[0]!.id))!.status, 'paid');
  await page.getByRole('button', { name: /反映する（2 件を発送済みにしてメールを送る）/ }).click();
  await page.getByText('2 件を発送済みにし、お客様に発送のお知らせを送りました。').waitFor();
  await screenshot(page, 'fulfilment-tracking-applied');
  assert.equal((await store.services.orders.byId(orders[0]!.id))!.trackingNumber, '400011112222');
  assert.equal((await mailsTo(store, 'pack-b@example.jp', 'order.shipped')).length, 1);
  assert.match((await page.textContent('main')) ?? '', /発送待ちの注文: 1 件/);

  await page.goto(`${store.url}/admin`);
  await page.locator('.sales-chart svg').waitFor();
  assert.match((await page.textContent('[data-figure="sales-today"]')) ?? '', /¥11,400/);
  await screenshot(page, 'dashboard-figures');
  await context.close();
});
