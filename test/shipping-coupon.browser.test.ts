import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { fillGuestCheckout, launchBrowser, screenshot } from './browser.ts';
import { startTestStore, type TestStore } from './harness.ts';
import { freshTotpCode, staffClient } from './sessions.ts';

// Issue 16: an operator sets shipping and creates a coupon by clicking through the console; a shopper on a
// 390 px phone picks a delivery time slot and uses the coupon.
let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore({ seed: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await store.close();
});

test('operator: shipping settings and a coupon in the console; shopper on a phone: time slot and coupon at checkout', async () => {
  const password = 'correct horse battery staple';
  const staff = await staffClient(store, 'owner', { password });
  const admin = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await admin.newPage();
  await page.goto(`${store.url}/admin/sign-in`);
  await page.getByLabel('メールアドレス').fill(staff.email);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログインする' }).click();
  await page.getByLabel('認証コード').fill(await freshTotpCode(store.ctx.db, staff.staffId, staff.totpSecret));
  await page.getByRole('button', { name: '確認する' }).click();
  await page.waitForURL(`${store.url}/admin`);

  // Changing shop settings needs a fresh step-up (本人確認): done first, as an operator would when asked.
  await page.goto(`${store.url}/admin/step-up?next=%2Fadmin%2Fsettings%2Fshipping`);
  await page.getByLabel('パスワード').fill(password);
  await page.getByLabel('認証コード').fill(await freshTotpCode(store.ctx.db, staff.staffId, staff.totpSecret));
  await page.getByRole('button', { name: '確認して続ける' }).click();
  await page.waitForURL(`${store.url}/admin/settings/shipping`);
  await page.getByLabel('関東 60サイズ').fill('750');
  await page.getByLabel('12時〜14時').uncheck();
  await page.getByLabel('沖縄 都道府県（空白または「、」区切り）').fill('沖縄件');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.getByText('何も変更していません').waitFor();
  assert.match((await page.locator('#region_8_prefectures-error').textContent()) ?? '', /「沖縄件」は都道府県名ではありません/);
  await screenshot(page, 'admin-shipping-settings-error');
  await page.getByLabel('沖縄 都道府県（空白または「、」区切り）').fill('沖縄県');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.getByText('保存しました').waitFor();
  await screenshot(page, 'admin-shipping-settings');
  const saved = await store.services.shop.get();
  assert.equal(saved.shipping.regions.find((r) => r.name === '関東')!.rates['60'], 750);
  assert.ok(!saved.shipping.time_slots.includes('12-14'));

  await page.goto(`${store.url}/admin/coupons`);
  await page.getByLabel('コード（半角英数字・3〜32文字）').fill('WELCOME10');
  await page.getByLabel('割引（% または 円）').fill('10');
  await page.getByRole('button', { name: '作成する' }).click();
  await page.getByText('クーポンを作成しました。').waitFor();
  await screenshot(page, 'admin-coupons');
  await admin.close();

  const phone = await browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const shopper = await phone.newPage();
  await shopper.goto(`${store.url}/p/test-mug-10`);
  await shopper.getByRole('button', { name: 'カートに入れる' }).click();
  await shopper.waitForURL(/\/cart/);
  await shopper.goto(`${store.url}/checkout`);
  await fillGuestCheckout(shopper, 'phone@example.jp', 'bank_transfer');
  assert.equal(await shopper.locator('#delivery_slot option[value="12-14"]').count(), 0, 'a slot switched off is not offered');
  await shopper.getByLabel('お届け時間帯').selectOption({ label: '19時〜21時' });
  await shopper.getByLabel('クーポンコード（お持ちの方）').fill('welcome10');
  assert.ok(await shopper.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll on the checkout form');
  await screenshot(shopper, 'phone-checkout-slot-coupon');
  await shopper.getByRole('button', { name: 'ご注文内容の確認へ進む' }).click();
  await shopper.getByRole('button', { name: '注文を確定する' }).waitFor();
  assert.match((await shopper.locator('body').textContent()) ?? '', /お届け時間帯: 19時〜21時/);
  assert.match((await shopper.locator('#order-discount').textContent()) ?? '', /^−¥[\d,]+$/);
  await screenshot(shopper, 'phone-review-slot-coupon');
  await shopper.getByRole('button', { name: '注文を確定する' }).click();
  await shopper.waitForURL(/\/orders\//);
  const order = await store.ctx.db.selectFrom('orders').select(['delivery_slot', 'coupon_code', 'discount_10', 'items_total', 'shipping_fee']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(order.delivery_slot, '19-21');
  assert.equal(order.coupon_code, 'WELCOME10');
  assert.equal(order.discount_10, Math.floor(order.items_total / 10));
  assert.equal(order.shipping_fee, order.items_total >= (saved.free_shipping_threshold ?? Infinity) ? 0 : 750, 'the rate saved in the console');
  await screenshot(shopper, 'phone-order-slot-coupon');
  await phone.close();
});
