import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { addProduct } from './test-helpers.ts';

let store: TestStore;
let shopper: TestClient;
before(async () => {
  store = await startTestStore({ seed: true });
  shopper = new TestClient(store.url);
});
after(() => store.close());

const productLinks = (page: string) => [...page.matchAll(/<li class="card product-card"><a href="\/p\/([a-z0-9-]+)"/g)].map((m) => m[1]);

test('home: tagline, categories and featured products from several categories', async () => {
  const res = await shopper.get('/');
  assert.equal(res.status, 200);
  assert.match(res.text, /<section class="hero"><h1>omamori coffee<\/h1><p>自家焙煎のコーヒー豆と道具の店<\/p>/);
  assert.match(res.text, /<meta name="description" content="[^"]*自家焙煎/);
  assert.match(res.text, /href="\/c\/mugs"><img src="\/static\/img\/placeholder-mug\.svg/);
  const featured = productLinks(res.text);
  assert.equal(featured.length, 8);
  assert.ok(featured.includes('ethiopia-yirgacheffe') && featured.includes('mashiko-mug'), featured.join());
});

test('/products: 12 per page with accessible pagination', async () => {
  const first = await shopper.get('/products');
  assert.equal(first.status, 200);
  assert.equal(productLinks(first.text).length, 12);
  assert.match(first.text, /<nav class="pagination" aria-label="ページ">/);
  assert.match(first.text, /<a href="\/products" aria-current="page" aria-label="1ページ目">1<\/a>/);
  assert.match(first.text, /<a href="\/products\?page=2" rel="next">次へ<\/a>/);
  const third = await shopper.get('/products?page=3');
  const onThird = productLinks(third.text);
  assert.ok(onThird.length >= 1 && onThird.length <= 12);
  assert.match(third.text, /<title>すべての商品 \(3 \/ 3ページ\)/);
  assert.match(third.text, /rel="prev"/);
  const all = new Set([...productLinks(first.text), ...productLinks((await shopper.get('/products?page=2')).text), ...onThird]);
  assert.equal(all.size, 29); // the two テスト用 products are not listed
});

test('search: keyword over names, escaped output, friendly empty result', async () => {
  const res = await shopper.get(`/products?q=${encodeURIComponent('エチオピア')}`);
  assert.deepEqual(productLinks(res.text).sort(), ['drip-bag-ethiopia', 'ethiopia-yirgacheffe']);
  assert.match(res.text, /「エチオピア」の検索結果/);
  const xss = await shopper.get(`/products?q=${encodeURIComponent('<script>alert(1)</script>')}`);
  assert.equal(xss.status, 200);
  assert.ok(!xss.text.includes('<script>alert(1)'));
  assert.match(xss.text, /&lt;script&gt;/);
  assert.match(xss.text, /該当する商品は見つかりませんでした/);
});

test('category page lists only that category, with breadcrumbs; unknown category is 404', async () => {
  const res = await shopper.get('/c/mugs');
  assert.equal(res.status, 200);
  assert.deepEqual(productLinks(res.text).sort(), ['enamel-mug', 'hasami-mug', 'mashiko-mug']);
  assert.match(res.text, /<nav class="breadcrumbs" aria-label="パンくずリスト"><ol>\s*<li><a href="\/">ホーム<\/a><\/li><li><span aria-current="page">マグカップ<\/span>/);
  assert.match(res.text, /<title>マグカップ \| omamori coffee<\/title>/);
  assert.equal((await shopper.get('/c/no-such-category')).status, 404);
});

test('product page: tax-inclusive prices, reduced-rate note, stock labels, add-to-cart form', async () => {
  const res = await shopper.get('/p/kenya-nyeri');
  assert.equal(res.status, 200);
  assert.match(res.text, /<title>ケニア ニエリ AA \| omamori coffee<\/title>/);
  assert.match(res.text, /<span class="price">¥1,880<span class="tax-note">（税込）<\/span><\/span>/);
  assert.match(res.text, /軽減税率（8%）対象/);
  assert.match(res.text, /500g・細挽き<\/span> <span class="price">¥4,300<span class="tax-note">（税込）<\/span><\/span> <span class="stock stock-low">在庫わずか<\/span>/);
  assert.match(res.text, /<form method="post" action="\/cart\/items"/);
  assert.match(res.text, /<input type="radio" name="variant_id" value="\d+" required checked/);
  assert.match(res.text, /<input id="quantity" name="quantity" type="number"/);
  assert.match(res.text, /<button type="submit" class="btn-primary" >カートに入れる<\/button>/);
  assert.match(res.text, /<li><a href="\/c\/coffee-beans">コーヒー豆<\/a><\/li>/);

  const mug = await shopper.get('/p/mashiko-mug');
  assert.ok(!mug.text.includes('軽減税率'), 'standard-rate items carry no reduced-rate note');
  assert.match(mug.text, /¥3,300/);
});

test('a sold-out product disables its variants and the button', async () => {
  const res = await shopper.get('/p/coffee-jelly');
  assert.match(res.text, /<input type="radio" name="variant_id" value="\d+" required  disabled>/);
  assert.match(res.text, /<button type="submit" class="btn-primary" disabled>カートに入れる<\/button>/);
  assert.match(res.text, /売り切れ/);
});

test('English pages', async () => {
  const res = await shopper.get('/p/kenya-nyeri?lang=en');
  assert.match(res.text, /<html lang="en">/);
  assert.match(res.text, /<h1>Kenya Nyeri AA<\/h1>/);
  assert.match(res.text, /¥1,880<span class="tax-note"> \(tax incl\.\)<\/span>/);
  assert.match(res.text, /Reduced tax rate \(8%\) applies/);
  assert.match(res.text, /Only a few left/);
});

test('unknown and unpublished products are 404', async () => {
  await addProduct(store.ctx.db, { slug: 'secret-draft', published: false });
  assert.equal((await shopper.get('/p/secret-draft')).status, 404);
  const missing = await shopper.get('/p/no-such-product');
  assert.equal(missing.status, 404);
  assert.match(missing.text, /ページが見つかりません/);
});
