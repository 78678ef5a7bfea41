import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore();
});
after(() => store.close());

const valid = {
  name: 'テスト珈琲',
  tagline_ja: '',
  tagline_en: '',
  seller: '株式会社テスト',
  representative: '',
  address: '東京都千代田区1-1',
  phone: '03-0000-0000',
  email: 'Shop@Example.jp',
  business_hours: '',
  invoice_number: 'ｔ１２３４５６７８９０１２３',
  bank_account: '',
  bank_transfer_days: '5',
  shipping_days: '',
  returns_policy: '',
  free_shipping_threshold: '',
  tax_rounding: 'floor',
};

test('the legal notice shows the seller and the invoice registration number', async () => {
  const res = await new TestClient(store.url).get('/legal/tokushoho');
  assert.equal(res.status, 200);
  assert.match(res.text, /特定商取引法に基づく表記/);
  assert.match(res.text, /T1234567890123/);
  const en = await new TestClient(store.url).get('/legal/tokushoho?lang=en');
  assert.match(en.text, /Legal notice/);
});

test('an owner saves settings; the storefront shows them at once', async () => {
  const { client } = await staffClient(store, 'owner');
  const res = await client.postForm('/admin/settings', valid);
  assert.equal(res.status, 303);
  const legal = await new TestClient(store.url).get('/legal/tokushoho');
  assert.match(legal.text, /株式会社テスト/);
  assert.match(legal.text, /shop@example\.jp/);
  assert.match(legal.text, /T1234567890123/, 'full-width input is normalized');
});

test('a bad invoice number is refused with a message and nothing changes', async () => {
  const { client } = await staffClient(store, 'owner');
  const before = await store.services.shop.get();
  const res = await client.postForm('/admin/settings', { ...valid, seller: '別の会社', invoice_number: 'T123' });
  assert.equal(res.status, 422);
  assert.match(res.text, /登録番号は「T」と13桁の数字/);
  assert.match(res.text, /value="別の会社"/, 'what was typed is kept');
  assert.equal((await store.services.shop.get()).seller, before.seller);
});

test('roles without settings.manage cannot open or post settings', async () => {
  const { client } = await staffClient(store, 'order_operator');
  assert.equal((await client.get('/admin/settings')).status, 403);
  assert.equal((await client.postForm('/admin/settings', valid)).status, 403);
});
