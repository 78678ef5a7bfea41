import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { CatalogCache } from './cache.ts';
import { placeholderUrl, sniffImageType } from './images.ts';
import { isValidJan, withCheckDigit } from './jan.ts';
import { escapeLike } from './queries.ts';
import { reserveStock } from './stock.ts';
import { uploadsDir } from './uploads.ts';
import { staticDir } from '../platform/http/assets.ts';
import { fileURLToPath } from 'node:url';
import { addProduct, eventually } from './test-helpers.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ listen: false });
});
after(() => store.close());

const catalog = () => store.services.catalog;
const slugsOf = (r: { items: Array<{ slug: string }> }) => r.items.map((i) => i.slug);

describe('search', () => {
  before(async () => {
    const { db } = store.ctx;
    await addProduct(db, { slug: 'percent', name_ja: 'カカオ100%チョコ', name_en: 'Cacao 100% chocolate' });
    await addProduct(db, { slug: 'plain-100', name_ja: 'カカオ100チョコ', name_en: 'Cacao 100 chocolate' });
    await addProduct(db, { slug: 'underscore', name_ja: 'A_B ブレンド', name_en: 'A_B blend' });
    await addProduct(db, { slug: 'axb', name_ja: 'AxB ブレンド', name_en: 'AxB blend' });
    await addProduct(db, { slug: 'desc-only', name_ja: '無名', name_en: 'Nameless', description_ja: '柑橘の香り' });
  });

  test('% and _ are matched literally, not as wildcards', async () => {
    assert.deepEqual(slugsOf(await catalog().listProducts({ locale: 'ja', keyword: '100%', page: 1, perPage: 50 })), ['percent']);
    assert.deepEqual(slugsOf(await catalog().listProducts({ locale: 'ja', keyword: 'A_B', page: 1, perPage: 50 })), ['underscore']);
    assert.deepEqual(slugsOf(await catalog().listProducts({ locale: 'ja', keyword: '%', page: 1, perPage: 50 })), ['percent']);
    assert.equal(escapeLike('a%b_c\\'), 'a\\%b\\_c\\\\');
  });

  test('matches Japanese and English names and descriptions, case-insensitively, all terms required', async () => {
    assert.deepEqual(slugsOf(await catalog().listProducts({ locale: 'ja', keyword: 'axb', page: 1, perPage: 50 })), ['axb']);
    assert.deepEqual(slugsOf(await catalog().listProducts({ locale: 'ja', keyword: '柑橘', page: 1, perPage: 50 })), ['desc-only']);
    assert.deepEqual(slugsOf(await catalog().listProducts({ locale: 'en', keyword: 'ＣＡＣＡＯ　chocolate 100%', page: 1, perPage: 50 })), ['percent']);
  });
});

test('paging is stable: position, then id; total and pages are reported', async () => {
  const { db } = store.ctx;
  const { id: cat } = await db.insertInto('category').values({ slug: 'paging', name_ja: 'ページ', name_en: 'Paging' }).returning('id').executeTakeFirstOrThrow();
  for (let i = 0; i < 15; i++) await addProduct(db, { slug: `page-${i}`, category_id: cat, position: i % 3 });
  const first = await catalog().listProducts({ locale: 'ja', categorySlug: 'paging', page: 1, perPage: 12 });
  const second = await catalog().listProducts({ locale: 'ja', categorySlug: 'paging', page: 2, perPage: 12 });
  assert.equal(first.total, 15);
  assert.equal(first.pages, 2);
  assert.equal(first.items.length, 12);
  assert.equal(second.items.length, 3);
  const expected = Array.from({ length: 15 }, (_, i) => i).sort((a, b) => (a % 3) - (b % 3) || a - b).map((i) => `page-${i}`);
  assert.deepEqual([...slugsOf(first), ...slugsOf(second)], expected);
});

test('stock states: 0 sold out, 1..5 low, more in stock; a product shows its best variant', async () => {
  const { db } = store.ctx;
  await addProduct(db, { slug: 'st-out' }, [{ stock: 0 }, { stock: 0 }]);
  await addProduct(db, { slug: 'st-low' }, [{ stock: 0 }, { stock: 5 }]);
  await addProduct(db, { slug: 'st-one' }, [{ stock: 1 }]);
  await addProduct(db, { slug: 'st-in' }, [{ stock: 2 }, { stock: 6, price: 2000 }]);
  const states = Object.fromEntries(
    await Promise.all(['st-out', 'st-low', 'st-one', 'st-in'].map(async (slug) => [slug, (await catalog().product(slug, 'ja'))!.stockState])),
  );
  assert.deepEqual(states, { 'st-out': 'sold_out', 'st-low': 'low', 'st-one': 'low', 'st-in': 'in_stock' });
  const detail = (await catalog().product('st-in', 'ja'))!;
  assert.deepEqual(detail.variants.map((v) => v.stockState), ['low', 'in_stock']);
  assert.deepEqual([detail.priceFrom, detail.priceTo], [1000, 2000]);
  const listed = await catalog().listProducts({ locale: 'ja', keyword: 'st-', page: 1, perPage: 10 });
  assert.deepEqual(Object.fromEntries(listed.items.map((i) => [i.slug, i.stockState])), states);
});

test('unpublished products and products without variants are hidden', async () => {
  const { db } = store.ctx;
  await addProduct(db, { slug: 'hidden-draft', published: false });
  await addProduct(db, { slug: 'no-variants' }, []);
  assert.equal(await catalog().product('hidden-draft', 'ja'), null);
  assert.equal(await catalog().product('no-variants', 'ja'), null);
  const all = await catalog().listProducts({ locale: 'ja', page: 1, perPage: 100 });
  assert.ok(!slugsOf(all).includes('hidden-draft'));
  assert.ok(!slugsOf(all).includes('no-variants'));
});

describe('cache', () => {
  test('serves cached reads until a catalog write, which drops the cache at once', async () => {
    const { db } = store.ctx;
    const { id } = await addProduct(db, { slug: 'cached', name_ja: '旧名' });
    assert.equal((await catalog().product('cached', 'ja'))!.name, '旧名');
    // A change that bypasses the catalog (no NOTIFY) is not seen: proof the read is cached.
    await db.updateTable('product').set({ name_ja: '直接' }).where('id', '=', id).execute();
    assert.equal((await catalog().product('cached', 'ja'))!.name, '旧名');
    await catalog().write((trx) => trx.updateTable('product').set({ name_ja: '新名' }).where('id', '=', id).execute());
    assert.equal((await catalog().product('cached', 'ja'))!.name, '新名');
  });

  test('a NOTIFY from any connection (another instance, or reserveStock at commit) drops the cache', async () => {
    const { db } = store.ctx;
    const { variantIds } = await addProduct(db, { slug: 'reserve-me' }, [{ stock: 6 }]);
    assert.equal((await catalog().product('reserve-me', 'ja'))!.stockState, 'in_stock');
    await db.transaction().execute((trx) => reserveStock(trx, [{ variantId: variantIds[0]!, quantity: 4 }]));
    assert.ok(await eventually(async () => (await catalog().product('reserve-me', 'ja'))!.stockState === 'low'), 'stock change shows after reserveStock');
    await db.transaction().execute((trx) => catalog().reserveStock(trx, [{ variantId: variantIds[0]!, quantity: 2 }]));
    assert.ok(await eventually(async () => (await catalog().listProducts({ locale: 'ja', keyword: 'reserve-me', page: 1, perPage: 1 })).items[0]!.stockState === 'sold_out'));
  });

  test('is capped and never re-stores a result loaded before a clear', async () => {
    const cache = new CatalogCache(3, 60_000);
    cache.enabled = true;
    for (const k of ['a', 'b', 'c', 'd']) await cache.through(k, async () => k);
    assert.equal(cache.size, 3);
    let release!: () => void;
    const slow = cache.through('slow', () => new Promise<string>((r) => (release = () => r('stale'))));
    cache.clear();
    release();
    assert.equal(await slow, 'stale');
    assert.equal(await cache.through('slow', async () => 'fresh'), 'fresh');
    const expiring = new CatalogCache(3, 0);
    expiring.enabled = true;
    await expiring.through('k', async () => 'old');
    assert.equal(await expiring.through('k', async () => 'new'), 'new');
  });
});

test('helpers: JAN check digits, image magic bytes, placeholders', () => {
  assert.ok(isValidJan('4901234567894'));
  assert.ok(!isValidJan('4901234567890'));
  assert.ok(isValidJan('49012347'));
  assert.ok(!isValidJan('49012340'));
  assert.ok(isValidJan(withCheckDigit('458000010001')));
  assert.equal(sniffImageType(Buffer.from('89504e470d0a1a0a0000', 'hex')), 'image/png');
  assert.equal(sniffImageType(Buffer.from('ffd8ffe000104a464946', 'hex')), 'image/jpeg');
  assert.equal(sniffImageType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')), 'image/webp');
  assert.equal(sniffImageType(Buffer.from('<?php system($_GET["c"]); ?>')), null);
  assert.match(placeholderUrl('mugs'), /placeholder-mug\.svg/);
  assert.match(placeholderUrl('drip-bags'), /placeholder-drip-bag\.svg/);
  assert.match(placeholderUrl(null), /placeholder-generic\.svg/);
  assert.throws(() => uploadsDir(staticDir), /must not be inside/);
  assert.throws(() => uploadsDir(fileURLToPath(new URL('../', import.meta.url))), /must not be inside/);
});
