import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { addProduct } from './test-helpers.ts';

const maxBytes = 4096;
let store: TestStore;
let editor: TestClient;
let productId: number;
before(async () => {
  store = await startTestStore({ config: { uploadMaxBytes: maxBytes } });
  editor = (await staffClient(store, 'content_editor')).client;
  productId = (await addProduct(store.ctx.db, { slug: 'photo-mug', name_ja: '写真のマグ' })).id;
});
after(() => store.close());

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const uploadsDir = () => path.join(store.dataDir, 'uploads');
const storedFiles = () => (existsSync(uploadsDir()) ? readdirSync(uploadsDir()) : []);
const imageRows = () => store.ctx.db.selectFrom('product_image').selectAll().where('product_id', '=', productId).execute();

function upload(bytes: Buffer, fileName: string, clientType: string, alt = '') {
  const form = new FormData();
  form.append('alt_ja', alt);
  form.append('alt_en', '');
  form.append('file', new Blob([new Uint8Array(bytes)], { type: clientType }), fileName);
  return editor.request('POST', `/admin/products/${productId}/images`, { body: form });
}

test('a PNG is stored under DATA_DIR/uploads with a random name, mode 0600, and served by /media safely', async () => {
  const res = await upload(png, 'マグ写真.PNG', 'application/octet-stream', '白いマグ');
  assert.equal(res.status, 303);
  const [row] = await imageRows();
  assert.ok(row);
  assert.match(row.file_name, /^[a-f0-9]{32}\.png$/);
  assert.equal(row.content_type, 'image/png');
  assert.equal(row.byte_size, png.length);
  assert.deepEqual(storedFiles(), [row.file_name]);
  const stat = statSync(path.join(uploadsDir(), row.file_name));
  assert.equal(stat.mode & 0o777, 0o600);

  const shopper = new TestClient(store.url);
  const media = await shopper.get(`/media/${row.file_name}`);
  assert.equal(media.status, 200);
  assert.equal(media.headers.get('content-type'), 'image/png');
  assert.equal(media.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(media.headers.get('content-security-policy'), "default-src 'none'; sandbox");
  assert.match(media.headers.get('cache-control') ?? '', /max-age=31536000/);

  const page = await shopper.get('/p/photo-mug');
  assert.match(page.text, new RegExp(`<img src="/media/${row.file_name}" alt="白いマグ"`));
  assert.match((await shopper.get('/products')).text, new RegExp(`/media/${row.file_name}`));
});

test('HTML or PHP named .png (even sent as image/png) is refused; nothing is stored', async () => {
  const before = storedFiles();
  for (const body of ['<html><script>alert(document.cookie)</script></html>', '<?php system($_GET["cmd"]); ?>', 'GIF89a<?php echo 1; ?>']) {
    const res = await upload(Buffer.from(body), 'photo.png', 'image/png');
    assert.equal(res.status, 422);
    assert.match(res.text, /<p class="field-error" id="image-file-error">JPEG・PNG・WebPの画像ファイルだけをアップロードできます。<\/p>/);
    assert.match(res.text, /id="image-file"[^>]*aria-invalid="true"/);
  }
  assert.deepEqual(storedFiles(), before);
  assert.equal((await imageRows()).length, 1);
});

test('an oversize file is refused with a message; nothing is stored', async () => {
  const before = storedFiles();
  const big = Buffer.concat([png, Buffer.alloc(maxBytes + 10)]);
  const res = await upload(big, 'big.png', 'image/png');
  assert.equal(res.status, 413);
  assert.match(res.text, /ファイルが大きすぎます/);
  assert.deepEqual(storedFiles(), before);
  const empty = await editor.postForm(`/admin/products/${productId}/images`, { alt_ja: '' });
  assert.equal(empty.status, 422);
  assert.match(empty.text, /画像ファイルを選んでください。/);
});

test('/media serves only names we generated that exist in the database', async () => {
  const shopper = new TestClient(store.url);
  for (const name of ['..%2F..%2Fpackage.json', 'ffffffffffffffffffffffffffffffff.png', 'x.php', '%2e%2e%2fsrc%2fapp.ts']) {
    assert.equal((await shopper.get(`/media/${name}`)).status, 404, name);
  }
});

test('deleting an image removes the row and the file; a customer-support account cannot upload', async () => {
  const support = (await staffClient(store, 'customer_support')).client;
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)], { type: "image/png" }), 'a.png');
  assert.equal((await support.request('POST', `/admin/products/${productId}/images`, { body: form })).status, 403);

  const [row] = await imageRows();
  const res = await editor.postForm(`/admin/products/${productId}/images/${row!.id}/delete`, {});
  assert.equal(res.status, 303);
  assert.equal((await imageRows()).length, 0);
  assert.deepEqual(storedFiles(), []);
  assert.equal((await new TestClient(store.url).get(`/media/${row!.file_name}`)).status, 404);
});
