import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import iconv from 'iconv-lite';
import type { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { columns } from './columns.ts';
import { decodeCsv, encodeCsv } from './encoding.ts';
import { exportProductsCsv } from './export.ts';

let store: TestStore;
let editor: TestClient;
before(async () => {
  store = await startTestStore();
  editor = (await staffClient(store, 'content_editor')).client;
  await store.ctx.db.insertInto('category').values({ slug: 'csv-tea', name_ja: 'お茶', name_en: 'Tea' }).execute();
  await store.services.catalog.write(async (trx) => {
    const p = await trx.insertInto('product').values({ slug: 'csv-sencha', name_ja: '=HYPERLINK("http://evil.example","煎茶")', name_en: 'Sencha', description_ja: '+cmd|calc', tax_class: 'reduced', published: true }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('variant').values({ product_id: p.id, sku: 'CSV-SENCHA-100', name_ja: '100g', name_en: '100 g', price: 1_200, stock: 7, jan_code: '4901234567894' }).execute();
  });
});
after(() => store.close());

const header = columns.map((c) => c.ja).join(',');
const sjis = (text: string) => iconv.encode(text, 'cp932');
const bomUtf8 = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

function upload(c: TestClient, bytes: Buffer, name = '商品.csv') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), name);
  return c.request('POST', '/admin/products/csv/check', { body: form });
}
const counts = async () => ({
  products: Number((await store.ctx.db.selectFrom('product').select(store.ctx.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  variants: Number((await store.ctx.db.selectFrom('variant').select(store.ctx.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
});
const price = async (sku: string) => (await store.ctx.db.selectFrom('variant').select('price').where('sku', '=', sku).executeTakeFirst())?.price;
const importId = (html: string) => /name="import_id" value="(\d+)"/.exec(html)?.[1];

test('export: one row per SKU, UTF-8 with BOM or Shift_JIS, formula cells neutralised (T3)', async () => {
  const text = await exportProductsCsv(store.ctx.db);
  assert.ok(text.startsWith(`${header}\r\n`));
  const row = text.split('\r\n').find((l) => l.startsWith('csv-sencha,'))!;
  assert.match(row, /^csv-sencha,"'=HYPERLINK\(""http:\/\/evil\.example"",""煎茶""\)",Sencha,,8,1,60,'\+cmd\|calc,,CSV-SENCHA-100,100g,100 g,1200,7,4901234567894$/);
  assert.deepEqual(decodeCsv(encodeCsv(text, 'cp932')), { text, encoding: 'cp932' }, 'Shift_JIS round trip');
  assert.deepEqual(decodeCsv(encodeCsv(text, 'utf-8-bom')), { text, encoding: 'utf-8-bom' });

  const res = await editor.get('/admin/products/csv/export?encoding=cp932');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=Shift_JIS');
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="products-\d{8}-sjis\.csv"$/);
  const utf8 = await editor.get('/admin/products/csv/export');
  assert.match(utf8.headers.get('content-type') ?? '', /charset=utf-8/);
  assert.match(utf8.text, /CSV-SENCHA-100/);
});

test('a Shift_JIS file with bad rows: every error listed by row, nothing changes, no way to apply', async () => {
  const before = await counts();
  const csv = [
    header,
    'csv-new-kabuse,かぶせ茶,,csv-tea,8,1,60,,,CSV-KABUSE-50,50g,,"1,080",5,',
    'csv-new-kabuse,かぶせ茶,,csv-tea,8,1,60,,,CSV-KABUSE-100,100g,,二千円,5,',
    'csv-sencha,煎茶,Sencha,お茶,8,1,60,,,CSV-SENCHA-100,100g,100 g,1300,,4901234567890',
    'Bad Slug!,名前,,紅茶,10,はい,70,,,CSV-X,x,,100,,',
    'csv-card,カード,,,10,1,60,カード 4111 1111 1111 1111 で払います,,CSV-CARD,通常,,100,,',
    'csv-new-kabuse,かぶせ茶,,csv-tea,8,1,60,,,CSV-KABUSE-50,50g,,1080,5,',
  ].join('\r\n');
  const res = await upload(editor, sjis(csv));
  assert.equal(res.status, 422);
  assert.match(res.text, /文字コード: Shift_JIS \(CP932\)/);
  assert.match(res.text, /新しい商品 1 \/ SKU追加 0 \/ 更新 0 \/ 変更なし 0 \/ エラー 5/);
  const row = (n: number) => new RegExp(`<tr data-action="[a-z_]+"[^>]*><td data-label="行">${n}</td>[\\s\\S]*?</tr>`).exec(res.text)?.[0] ?? '';
  assert.match(row(2), /data-action="create_product"/);
  assert.match(row(3), /価格は0〜10,000,000の整数/);
  assert.match(row(4), /JANコードが正しくありません/);
  assert.match(row(5), /商品コードは半角英小文字/);
  assert.match(row(5), /カテゴリ「紅茶」がありません/);
  assert.match(row(5), /公開は 1（公開）か 0/);
  assert.match(row(5), /配送サイズは 60・80/);
  assert.match(row(6), /カード番号のような数字/);
  assert.doesNotMatch(res.text, /4111 1111 1111 1111/, 'T2: the card number is not shown back');
  assert.match(row(7), /この SKU は2行目にもあります/);
  assert.equal(importId(res.text), undefined, 'no apply button');
  assert.deepEqual(await counts(), before);
  assert.equal(await price('CSV-SENCHA-100'), 1_200);
});

test('a UTF-8 (BOM) file: dry run first, then applied at once; applying twice is refused', async () => {
  const before = await counts();
  const csv = [
    header,
    'csv-new-gyokuro,玉露,,csv-tea,8,1,80,"香り高い\n玉露",,CSV-GYOKURO-50,５０ｇ,,"¥2,160",3,',
    'csv-new-gyokuro,玉露,,csv-tea,8,1,80,,,CSV-GYOKURO-100,100g,,4000,2,',
    `csv-sencha,"'=HYPERLINK(""http://evil.example"",""煎茶"")",Sencha,csv-tea,8,1,60,'+cmd|calc,,CSV-SENCHA-100,100g,100 g,1300,99,4901234567894`,
  ].join('\r\n');
  const res = await upload(editor, bomUtf8(csv));
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.match(res.text, /文字コード: UTF-8 \(BOM\)/);
  assert.match(res.text, /新しい商品 1 \/ SKU追加 1 \/ 更新 1 \/ 変更なし 0 \/ エラー 0/);
  assert.deepEqual(await counts(), before, 'the dry run changes nothing');
  const id = importId(res.text)!;
  assert.ok(id);

  const applied = await editor.postForm('/admin/products/csv/apply', { import_id: id });
  assert.equal(applied.status, 303);
  assert.equal(applied.location, '/admin/products/csv?applied=1.1.1.0');
  assert.match((await editor.get(applied.location!)).text, /取り込みました: 新しい商品 1、追加した SKU 1、更新 1、変更なし 0。/);
  assert.deepEqual(await counts(), { products: before.products + 1, variants: before.variants + 2 });
  const gyokuro = await store.ctx.db.selectFrom('product').selectAll().where('slug', '=', 'csv-new-gyokuro').executeTakeFirstOrThrow();
  assert.equal(gyokuro.published, true);
  assert.equal(gyokuro.shipping_size, 80);
  assert.equal(gyokuro.name_en, '玉露', 'English name optional: the Japanese one is used');
  assert.equal(gyokuro.description_ja, '香り高い\n玉露');
  const v50 = await store.ctx.db.selectFrom('variant').selectAll().where('sku', '=', 'CSV-GYOKURO-50').executeTakeFirstOrThrow();
  assert.deepEqual([v50.name_ja, v50.price, v50.stock], ['５０ｇ', 2_160, 3]);
  const sencha = await store.ctx.db.selectFrom('variant as v').innerJoin('product as p', 'p.id', 'v.product_id').select(['v.price', 'v.stock', 'p.name_ja', 'p.description_ja']).where('v.sku', '=', 'CSV-SENCHA-100').executeTakeFirstOrThrow();
  assert.deepEqual(sencha, { price: 1_300, stock: 7, name_ja: '=HYPERLINK("http://evil.example","煎茶")', description_ja: '+cmd|calc' }, 'the neutralising apostrophe is taken off; stock of a known SKU is kept');

  const again = await editor.postForm('/admin/products/csv/apply', { import_id: id });
  assert.equal(again.status, 422);
  assert.match(again.text, /id="file-error">この確認結果は使えません/);
  assert.equal(await price('CSV-SENCHA-100'), 1_300);
});

test('the catalog changed after the check: the apply re-checks in its transaction and writes no row', async () => {
  const csv = [header, 'csv-late,遅い,,,10,0,60,,,CSV-LATE-1,通常,,500,1,', 'csv-late,遅い,,,10,0,60,,,CSV-LATE-2,大,,800,1,'].join('\r\n');
  const res = await upload(editor, Buffer.from(csv, 'utf8'));
  assert.equal(res.status, 200);
  assert.match(res.text, /文字コード: UTF-8）/);
  // Meanwhile someone else creates a product that takes the second SKU.
  await store.services.catalog.write(async (trx) => {
    const p = await trx.insertInto('product').values({ slug: 'csv-other', name_ja: '別', name_en: 'Other', tax_class: 'standard' }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('variant').values({ product_id: p.id, sku: 'CSV-LATE-2', name_ja: '通常', name_en: 'Regular', price: 1 }).execute();
  });
  const before = await counts();
  const applied = await editor.postForm('/admin/products/csv/apply', { import_id: importId(res.text)! });
  assert.equal(applied.status, 422);
  assert.match(applied.text, /エラーのある行があるため、何も反映していません/);
  assert.match(applied.text, /この SKU はほかの商品（csv-other）で使われています/);
  assert.deepEqual(await counts(), before, 'not even the first, valid row was written');
  assert.equal(await store.ctx.db.selectFrom('product').select('id').where('slug', '=', 'csv-late').executeTakeFirst(), undefined);
});

test('file problems are shown next to the file field; read-only roles export but cannot import', async () => {
  const missing = await upload(editor, Buffer.from('商品コード,商品名\r\na,b\r\n'));
  assert.equal(missing.status, 422);
  assert.match(missing.text, /id="file-error">必要な列がありません: SKU、バリエーション名、価格（税込）/);
  const broken = await upload(editor, Buffer.from(`${header}\r\n"unterminated,x\r\n`));
  assert.equal(broken.status, 422);
  assert.match(broken.text, /id="file-error">CSVとして読めませんでした/);
  const { client: operator } = await staffClient(store, 'order_operator');
  assert.equal((await operator.get('/admin/products/csv/export')).status, 200);
  assert.doesNotMatch((await operator.get('/admin/products/csv')).text, /action="\/admin\/products\/csv\/check"/);
  assert.equal((await upload(operator, Buffer.from(header))).status, 403);
  assert.equal((await operator.postForm('/admin/products/csv/apply', { import_id: '1' })).status, 403);
});
