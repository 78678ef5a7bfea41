import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { AppError } from '../platform/http/errors.ts';
import { CatalogCache } from './cache.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { withCheckDigit } from './jan.ts';
import { withSearchBudget } from './product-list.ts';
import { openSearchDb } from './search-db.ts';
import { fillTrigramCounts } from './search-index.ts';
import { trigramCount, trigramProbes } from './search-normalize.ts';
import { addProduct } from './test-helpers.ts';

// Search and paging as a shopper meets them, on the demo catalog (issues 16 and 19).
let store: TestStore;
let shopper: TestClient;
before(async () => {
  store = await startTestStore({ seed: true });
  shopper = new TestClient(store.url);
});
after(() => store.close());

const search = async (keyword: string, perPage = 50) => (await store.services.catalog.listProducts({ locale: 'ja', keyword, page: 1, perPage })).items.map((i) => i.slug);
const beans = ['ethiopia-yirgacheffe', 'guatemala-antigua', 'yonaga-dark-blend', 'asayake-light-blend', 'kenya-nyeri', 'colombia-huila', 'brazil-cerrado', 'decaf-mexico'];

describe('search finds what a shopper means', () => {
  test('コーヒー finds the coffee beans first; こーひー, ｺｰﾋｰ and コーヒ find the same', async () => {
    const found = await search('コーヒー');
    assert.deepEqual(found.slice(0, beans.length).sort(), [...beans].sort(), found.join());
    assert.ok(found.includes('hand-grinder') && found.includes('glass-server'), 'other coffee things follow');
    for (const spelling of ['こーひー', 'ｺｰﾋｰ', 'コーヒ', 'コーヒー豆']) assert.deepEqual((await search(spelling)).slice(0, beans.length).sort(), [...beans].sort(), spelling);
  });

  test('one and two characters: 豆 and 深煎', async () => {
    const mame = await search('豆');
    for (const slug of [...beans, 'gift-beans-mug']) assert.ok(mame.includes(slug), slug);
    const fukairi = await search('深煎');
    assert.equal(fukairi[0], 'yonaga-dark-blend');
    assert.ok(fukairi.includes('coffee-financier'), 'description match (深煎り豆) found too');
    assert.ok(fukairi.indexOf('coffee-financier') > 0);
  });

  test('SKU and JAN codes match exactly; English names; several terms narrow', async () => {
    assert.deepEqual(await search('ETH-YIR-200-WB'), ['ethiopia-yirgacheffe']);
    assert.deepEqual(await search('eth yir 500'), ['ethiopia-yirgacheffe']);
    assert.equal((await search(withCheckDigit('458000040002')))[0], 'hasami-mug');
    assert.equal((await search('kenya'))[0], 'kenya-nyeri');
    assert.equal((await search('Hand Grinder'))[0], 'hand-grinder');
    assert.equal((await search('深煎り ブレンド'))[0], 'yonaga-dark-blend');
    assert.ok(!(await search('深煎り ブレンド')).includes('asayake-light-blend'), 'every term must match');
  });

  test('a name match ranks above a description-only match', async () => {
    const { db } = store.ctx;
    await addProduct(db, { slug: 'desc-lemon', name_ja: '焼き菓子の詰め合わせ', description_ja: 'ほのかにレモンピールが香ります' });
    await addProduct(db, { slug: 'name-lemon', name_ja: '瀬戸内レモンピール', position: 9999 });
    const found = await search('レモンピール');
    assert.ok(found.indexOf('name-lemon') >= 0 && found.indexOf('name-lemon') < found.indexOf('desc-lemon'), found.join());
  });

  test('the demo test products (テスト用) are not shown to shoppers, but their pages still open', async () => {
    assert.deepEqual(await search('テスト用'), []);
    assert.ok(!(await search('マグカップ')).includes('test-mug-10'));
    const res = await shopper.get(`/products?q=${encodeURIComponent('テスト')}`);
    assert.doesNotMatch(res.text, /テスト用/);
    assert.equal((await shopper.get('/p/test-mug-10')).status, 200);
  });

  test('renamed through the catalog, found by the new name at once (same transaction)', async () => {
    const { db } = store.ctx;
    const { id } = await addProduct(db, { slug: 'renamed', name_ja: '旧い名前' });
    assert.deepEqual(await search('旧い名前'), ['renamed']);
    await store.services.catalog.write((trx) => trx.updateTable('product').set({ name_ja: 'ホワイトチョコ' }).where('id', '=', id).execute());
    const row = await db.selectFrom('product').select('search_text').where('id', '=', id).executeTakeFirstOrThrow();
    assert.match(row.search_text ?? '', /^ほわいとちょこ /);
    assert.deepEqual(await search('ほわいと ちょこ'), ['renamed']);
    assert.deepEqual(await search('旧い名前'), []);
    const cat = await db.selectFrom('category').select('id').where('slug', '=', 'tea').executeTakeFirstOrThrow();
    await store.services.catalog.write((trx) => trx.updateTable('category').set({ name_ja: '日本茶と紅茶' }).where('id', '=', cat.id).execute());
    assert.ok((await search('日本茶')).includes('sencha-yame'));
  });

  test('ranking computes pg_trgm similarity from the stored trigram count; the start step fills missing counts', async () => {
    const { db } = store.ctx;
    const rows = (await sql<{ id: number; search_text: string; search_trgm_n: number | null; n: number }>`
      select id, search_text, search_trgm_n, array_length(show_trgm(search_text), 1) as n from product where search_text is not null`.execute(db)).rows;
    assert.ok(rows.length > 10);
    for (const query of ['こひ', '深煎りぶれんど', 'kenya', '豆', 'ethyir200wb']) {
      const probes = trigramProbes(query);
      const { rows: sims } = await sql<{ id: number; sim: number }>`select id, similarity(search_text, ${query}) as sim from product where search_text is not null`.execute(db);
      const pgSim = new Map(sims.map((r) => [r.id, Number(r.sim)]));
      for (const r of rows) {
        assert.equal(r.search_trgm_n, trigramCount(r.search_text), r.search_text);
        // pg_trgm also splits words at symbols (drippers&tools); ranking splits at spaces only, so
        // only texts of letters and digits are compared with it.
        if (!/^[\p{L}\p{N} ]+$/u.test(r.search_text)) continue;
        assert.equal(r.search_trgm_n, Number(r.n), r.search_text);
        const shared = probes.filter((p) => ` ${r.search_text} `.includes(p)).length;
        const ours = Math.fround(shared / (r.search_trgm_n! + probes.length - shared));
        assert.ok(Math.abs(ours - pgSim.get(r.id)!) < 1e-6, `${query} in ${r.search_text}: ${ours} vs ${pgSim.get(r.id)}`);
      }
    }
    const before = await search('コーヒー');
    await sql`update product set search_trgm_n = null`.execute(db);
    // (another page size: not the cached answer)
    assert.deepEqual(await search('コーヒー', 49), before.slice(0, 49), 'products without a count rank by similarity() meanwhile');
    assert.equal(await fillTrigramCounts(db), rows.length);
    const filled = (await sql<{ missing: number }>`select count(*)::int as missing from product where search_text is not null and search_trgm_n is null`.execute(db)).rows[0];
    assert.equal(filled?.missing, 0);
  });

  test('the search page: count, ranked links, numbered pages within the best 1,000', async () => {
    const res = await shopper.get(`/products?q=${encodeURIComponent('ｺｰﾋｰ')}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /「ｺｰﾋｰ」の検索結果/);
    assert.match(res.text, /\d+件の商品/);
    const tooDeep = await shopper.get(`/products?q=${encodeURIComponent('コーヒー')}&page=9000`);
    assert.equal(tooDeep.status, 422);
    assert.match(tooDeep.text, /1,000件より先のページは番号では開けません/);
  });
});

describe('listing pages at any depth', () => {
  let slugs: string[] = [];
  before(async () => {
    const { db } = store.ctx;
    const { id } = await store.services.catalog.write((trx) => trx.insertInto('category').values({ slug: 'deep', name_ja: '深い棚', name_en: 'Deep shelf' }).returning('id').executeTakeFirstOrThrow());
    for (let i = 0; i < 23; i++) await addProduct(db, { slug: `deep-${i}`, category_id: id, position: i % 4 });
    slugs = Array.from({ length: 23 }, (_, i) => i).sort((a, b) => (a % 4) - (b % 4) || a - b).map((i) => `deep-${i}`);
  });

  test('次へ and 前へ (cursors) walk the whole category in shop order, both ways', async () => {
    const catalog = store.services.catalog;
    const seen: string[] = [];
    let page = await catalog.listProducts({ locale: 'ja', categorySlug: 'deep', perPage: 5 });
    seen.push(...page.items.map((i) => i.slug));
    assert.equal(page.prev, null);
    while (page.next) {
      page = await catalog.listProducts({ locale: 'ja', categorySlug: 'deep', perPage: 5, cursor: decodeCursor(page.next)! });
      seen.push(...page.items.map((i) => i.slug));
    }
    assert.deepEqual(seen, slugs);
    const back: string[] = [...page.items.map((i) => i.slug)];
    while (page.prev) {
      page = await catalog.listProducts({ locale: 'ja', categorySlug: 'deep', perPage: 5, cursor: decodeCursor(page.prev)! });
      back.unshift(...page.items.map((i) => i.slug));
    }
    assert.deepEqual(back, slugs);
  });

  test('HTML: numbered first pages, then cursor links; 最初のページ from a cursor page', async () => {
    const first = await shopper.get('/c/deep');
    assert.match(first.text, /aria-current="page" aria-label="1ページ目"/);
    assert.match(first.text, /<a href="\/c\/deep\?page=2" rel="next">次へ<\/a>/);
    const cursor = encodeCursor({ dir: 'after', position: 1, id: 0 });
    const deep = await shopper.get(`/c/deep?cursor=${cursor}`);
    assert.equal(deep.status, 200);
    assert.match(deep.text, /<a href="\/c\/deep">最初のページ<\/a>/);
    assert.match(deep.text, /rel="prev">前へ/);
    assert.match(deep.text, /rel="next">次へ/);
  });

  test('an invalid or tampered cursor is a clear 422, not a server error; so is a page number past 1,000 products', async () => {
    for (const bad of ['garbage!!', Buffer.from('a.1.x').toString('base64url'), Buffer.from('c.1.2').toString('base64url'), 'x'.repeat(100)]) {
      const res = await shopper.get(`/products?cursor=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 422, bad);
      assert.match(res.text, /このページへのリンクは正しくありません/);
    }
    const api = await shopper.get('/api/store/products?cursor=garbage');
    assert.equal(api.status, 422);
    assert.equal(api.json().error.code, 'validation');
    const deep = await shopper.get('/products?page=800');
    assert.equal(deep.status, 422);
    assert.match(deep.text, /「次へ」で進むか/);
  });

  test('the JSON API pages by cursor too', async () => {
    const first = (await shopper.get('/api/store/products?category=deep&per_page=10')).json();
    assert.equal(first.items.length, 10);
    assert.equal(first.total, 23);
    assert.equal(first.total_capped, false);
    const second = (await shopper.get(`/api/store/products?category=deep&per_page=10&cursor=${first.next_cursor}`)).json();
    assert.deepEqual([...first.items, ...second.items].map((i: { slug: string }) => i.slug), slugs.slice(0, 20));
    assert.equal(second.page, 0);
    assert.ok(second.prev_cursor);
  });
});

test('single flight: 50 concurrent misses of one key run the loader once; a change starts a fresh load', async () => {
  const cache = new CatalogCache(100, 60_000);
  cache.enabled = true;
  let loads = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const loader = async () => {
    loads += 1;
    await gate;
    return { n: loads };
  };
  const waiting = Array.from({ length: 50 }, () => cache.through('cold', loader));
  release();
  const values = await Promise.all(waiting);
  assert.equal(loads, 1);
  assert.ok(values.every((v) => v === values[0]));

  let releaseSlow!: () => void;
  const slow = cache.through('k', () => new Promise<string>((r) => (releaseSlow = () => r('before change'))));
  cache.clear();
  const fresh = cache.through('k', async () => 'after change');
  releaseSlow();
  assert.equal(await slow, 'before change');
  assert.equal(await fresh, 'after change');

  const failing = await Promise.allSettled(Array.from({ length: 5 }, () => cache.through('err', async () => { throw new Error('db down'); })));
  assert.ok(failing.every((r) => r.status === 'rejected'));
  assert.equal(await cache.through('err', async () => 'recovered'), 'recovered');
});

test('single flight through the store: 50 concurrent requests for a cold search page all answer', async () => {
  const results = await Promise.all(Array.from({ length: 50 }, () => store.services.catalog.listProducts({ locale: 'ja', keyword: 'マグ', page: 1, perPage: 12 })));
  assert.ok(results.every((r) => r === results[0]), 'one shared result object: the query ran once');
});

test('searches have a rate per network: 429 with a localized message; browsing is not limited', async () => {
  const limiter = store.services.catalog.searchLimiter;
  const saved = limiter.max;
  limiter.max = 3;
  limiter.reset();
  try {
    const client = new TestClient(store.url);
    for (let i = 0; i < 3; i++) assert.equal((await client.get(`/products?q=limit${i}`)).status, 200);
    const limited = await client.get('/products?q=limit4');
    assert.equal(limited.status, 429);
    assert.match(limited.text, /短い時間に検索が続いたため/);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const api = await client.get('/api/store/products?q=x&lang=en');
    assert.equal(api.status, 429);
    assert.match(api.json().error.message, /Too many searches/);
    assert.equal((await client.get('/products')).status, 200);
  } finally {
    limiter.max = saved;
    limiter.reset();
  }
});

test('a search that runs past its time budget is stopped with a "narrow it" message (PostgreSQL); terms are bounded everywhere', async () => {
  const kind = store.ctx.database.kind;
  const { config } = store.ctx;
  // Search connections of their own, with a 50 ms budget instead of 2 s.
  const search = openSearchDb({ kind, db: store.ctx.db, databaseUrl: config.databaseUrl, poolSize: 2, acquireTimeoutMs: 5000, budgetMs: 50 });
  try {
    if (kind === 'postgres') {
      await assert.rejects(
        withSearchBudget(search, 'ja', (db) => sql`select pg_sleep(2)`.execute(db)),
        (err: unknown) => err instanceof AppError && err.status === 422 && /検索に時間がかかりすぎました/.test(err.localized('ja')),
      );
      // No transaction: the budget is the connection's own, and the store's other connections keep theirs.
      const { rows } = await sql<{ budget: string }>`select current_setting('statement_timeout') as budget`.execute(search.db);
      assert.equal(rows[0]?.budget, '50ms');
      const { rows: main } = await sql<{ budget: string }>`select current_setting('statement_timeout') as budget`.execute(store.ctx.db);
      assert.notEqual(main[0]?.budget, '50ms');
    } else {
      // PGlite has no statement timer: the budget there is the bound on terms (5 of at most 50 characters).
      assert.deepEqual(await withSearchBudget(search, 'ja', async () => 'ok'), 'ok');
    }
  } finally {
    await search.close();
  }
  const long = Array.from({ length: 20 }, (_, i) => `コーヒー${i}`.repeat(10)).join(' ');
  const res = await store.services.catalog.listProducts({ locale: 'ja', keyword: long, page: 1, perPage: 12 });
  assert.equal(res.items.length, 0);
});

test('past 1,000 matches the count is a bound ("1,000件以上"), numbered pages stop, cursors go on', async () => {
  const { db } = store.ctx;
  const { id } = await store.services.catalog.write((trx) => trx.insertInto('category').values({ slug: 'many', name_ja: 'たくさん', name_en: 'Many' }).returning('id').executeTakeFirstOrThrow());
  await sql`insert into product (slug, category_id, name_ja, name_en, tax_class, published, position)
    select 'many-' || i, ${id}, '量産マグ ' || i, 'Mass mug ' || i, 'standard', true, 500000 + i from generate_series(1, 1010) i`.execute(db);
  await sql`insert into variant (product_id, sku, name_ja, name_en, price) select id, 'MANY-' || id, '白', 'White', 1000 from product where slug like 'many-%'`.execute(db);
  const found = await store.services.catalog.listProducts({ locale: 'ja', keyword: '量産マグ', page: 1, perPage: 12 });
  assert.equal(found.total, 1000);
  assert.equal(found.totalCapped, true);
  assert.equal(found.items.length, 12);
  const page = await shopper.get('/c/many');
  assert.match(page.text, /1,000件以上の商品/);
  assert.match(page.text, /aria-label="84ページ目">84</);
  const last = await shopper.get('/c/many?page=84');
  assert.equal(last.status, 200);
  const next = /href="(\/c\/many\?cursor=[^"]+)" rel="next"/.exec(last.text);
  assert.ok(next, 'the last numbered page continues with a cursor');
  const beyond = await shopper.get(next[1]!);
  assert.equal(beyond.status, 200);
  assert.match(beyond.text, /最初のページ/);
});
