import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
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
  assert.deepEqual(storedFiles(), [row.file_name]);
  const stat = statSync(path.join(uploadsDir(), row.file_name));
  assert.equal(row.byte_size, stat.size, 'the size of the stored (re-encoded) file');
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

/** A PNG with a chunk inserted after IHDR (tEXt, iTXt, zTXt: text a phone or an editor wrote). */
function withPngChunk(pngBytes: Buffer, type: string, data: Buffer): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([pngBytes.subarray(0, ihdrEnd), len, body, crc, pngBytes.subarray(ihdrEnd)]);
}

function pngChunkTypes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const len = bytes.readUInt32BE(at);
    types.push(bytes.toString('latin1', at + 4, at + 8));
    at += 12 + len;
  }
  return types;
}

/** A JPEG comment (COM) segment right after SOI. */
function withJpegComment(jpeg: Buffer, text: string): Buffer {
  const data = Buffer.from(text, 'latin1');
  const head = Buffer.from([0xff, 0xfe, (data.length + 2) >> 8, (data.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), head, data, jpeg.subarray(2)]);
}

test('uploaded images are stored without metadata: EXIF with GPS, JPEG comments, PNG text chunks (a test card number in them goes too)', async () => {
  const card = '4242 4242 4242 4242';
  const pixels = { create: { width: 8, height: 8, channels: 3 as const, background: '#a0522d' } };
  const exif = { IFD0: { Make: 'PhoneCam', Model: 'X1', ImageDescription: `card ${card}` }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '35/1 40/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '139/1 45/1 0/1' } };
  const jpeg = withJpegComment(await sharp(pixels).jpeg().withExif(exif).toBuffer(), `note ${card}`);
  const before = await sharp(jpeg).metadata();
  assert.ok(before.exif && before.exif.toString('latin1').includes('PhoneCam'), 'the fixture carries EXIF');
  assert.ok(jpeg.toString('latin1').includes('GPS') || before.exif!.length > 100, 'and a GPS block');
  const plainPng = await sharp(pixels).png().toBuffer();
  const png2 = withPngChunk(withPngChunk(plainPng, 'tEXt', Buffer.from(`Comment\0${card}`, 'latin1')), 'iTXt', Buffer.from(`Description\0\0\0\0\0カード ${card}`, 'utf8'));
  assert.deepEqual(pngChunkTypes(png2).slice(0, 3), ['IHDR', 'iTXt', 'tEXt']);

  for (const [bytes, name, ext] of [[jpeg, 'IMG_0001.JPG', 'jpg'], [png2, 'scan.png', 'png']] as const) {
    const res = await upload(bytes, name, 'image/jpeg', 'メタデータ');
    assert.equal(res.status, 303, res.text.slice(0, 200));
    const row = (await imageRows()).at(-1)!;
    assert.match(row.file_name, new RegExp(`\\.${ext}$`));
    const stored = readFileSync(path.join(uploadsDir(), row.file_name));
    const meta = await sharp(stored).metadata();
    assert.equal(meta.exif, undefined, `${name}: no EXIF`);
    assert.equal(meta.xmp, undefined, `${name}: no XMP`);
    assert.equal(meta.icc, undefined, `${name}: no ICC profile`);
    assert.deepEqual(meta.comments ?? [], [], `${name}: no text chunks`);
    assert.equal(meta.width, 8);
    const text = stored.toString('latin1');
    for (const gone of ['PhoneCam', 'GPS', '4242', 'Comment', 'Description']) assert.ok(!text.includes(gone), `${name}: ${gone} is gone`);
    if (ext === 'png') assert.deepEqual(pngChunkTypes(stored).filter((t) => /^[a-z]/.test(t) && t !== 'pHYs'), [], 'no ancillary text chunks');
    else assert.equal(stored.indexOf(Buffer.from([0xff, 0xfe])), -1, 'no JPEG comment segment');
  }
});

test('bytes that only look like an image (right signature, no image) are refused', async () => {
  const before = storedFiles();
  const res = await upload(Buffer.concat([png.subarray(0, 33), Buffer.from('not really an image')]), 'broken.png', 'image/png');
  assert.equal(res.status, 422);
  assert.deepEqual(storedFiles(), before);
});
