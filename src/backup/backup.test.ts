import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { TestClient } from '../../test/client.ts';
import { createTestDatabase, startTestStore, testDbKind, type TestStore } from '../../test/harness.ts';
import { runAudit } from '../audit/cli.ts';
import { createTestVariant } from '../cart/test-products.ts';
import { storeUpload } from '../catalog/uploads.ts';
import { insertAddressRecord, insertCustomerRecord } from '../identity/customers/customer-data.ts';
import { hashPassword } from '../identity/passwords.ts';
import { orderIndexes, sealOrder } from '../orders/encrypted-fields.ts';
import { startStore, type RunningStore } from '../app/boot.ts';
import { loadConfig, type Config } from '../platform/config.ts';
import { unpackFiles } from './archive.ts';
import { runBackup } from './cli.ts';
import { createBackup } from './create.ts';
import { partAad, partKey } from './format.ts';
import { decryptPart } from './part-cipher.ts';
import { verifyBackup } from './verify.ts';

const password = 'kissaten-no-mame-2026';

/** An order as checkout writes it: personal columns sealed by the vault, blind indexes, one line. */
async function placeOrder(s: TestStore, customerId: number, variantId: number): Promise<void> {
  const { db, vault } = s.ctx;
  const id = await vault.nextRowId(db, 'orders');
  const plain = { email: 'backup-a@example.jp', ship_name: '山田 花子', ship_name_kana: 'ヤマダ ハナコ', ship_postal_code: '150-0001', ship_city: '渋谷区', ship_line1: '神宮前1-2-3', ship_line2: '', ship_phone: '0312345678', note: '' };
  await db
    .insertInto('orders')
    .values({
      id, number: `B-${randomBytes(4).toString('hex')}`, status: 'paid', customer_id: customerId, access_token_hash: null, idempotency_key: randomBytes(16).toString('hex'),
      locale: 'ja', ship_prefecture: '東京都', shipping_method: 'standard', shipping_fee: 800, payment_method: 'bank_transfer', payment_fee: 0,
      items_total: 4_800, total: 5_600, taxable_10: 5_600, tax_10: 509, taxable_8: 0, tax_8: 0, invoice_number: null,
      ...(await sealOrder(vault, id, plain)), ...orderIndexes(vault, plain),
    })
    .execute();
  await db.insertInto('order_line').values({ order_id: id, variant_id: variantId, sku: 'SKU-B', product_name: 'ドリッパー', variant_name: '標準', tax_rate: 10, unit_price: 2_400, quantity: 2, line_total: 4_800 }).execute();
}
const silent = { log: () => {}, error: () => {} };
const lines = () => {
  const out: string[] = [];
  return { out, sink: { log: (m: string) => out.push(m), error: (m: string) => out.push(m) } };
};

let store: TestStore;
let backupDir: string;
let outDir: string;
let orderNumber: string;
let orderTotal: number;
let image: string;
let counts: { products: number; customers: number; orders: number; audit: number };
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  store = await startTestStore({ seed: true });
  const variant = await createTestVariant(store.ctx.db, { price: 2_400 });
  const { db, vault } = store.ctx;
  // Two customers (encrypted columns, blind indexes, a real argon2id hash), one with an address and an order.
  const passwordHash = await hashPassword(password);
  const [a] = [await insertCustomerRecord({ db, vault }, { email: 'backup-a@example.jp', name: '山田 花子', password_hash: passwordHash }), await insertCustomerRecord({ db, vault }, { email: 'backup-b@example.jp', name: '田中 一郎', password_hash: passwordHash })];
  await insertAddressRecord({ db, vault }, a!, { name: '山田 花子', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', phone: '0312345678' });
  await placeOrder(store, a!, variant);
  ({ number: orderNumber, total: orderTotal } = await db.selectFrom('orders').select(['number', 'total']).executeTakeFirstOrThrow());
  image = await storeUpload(store.dataDir, Buffer.from('\x89PNG\r\n\x1a\nnot really an image, bytes are bytes'), 'image/png');
  // A signed checkpoint, and the JSON-lines copy caught up, as the running store keeps them.
  await store.services.audit.checkpoint({ force: true });
  await store.services.audit.flush();
  const n = async (t: 'product' | 'customer' | 'orders' | 'audit_entry') => Number((await db.selectFrom(t).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  counts = { products: await n('product'), customers: await n('customer'), orders: await n('orders'), audit: await n('audit_entry') };
  assert.ok(counts.products > 5 && counts.customers === 2 && counts.orders === 1, JSON.stringify(counts));
  // Through the running store's own database handle (the embedded database admits one process).
  outDir = mkdtempSync(path.join(tmpdir(), 'omamori-backups-'));
  cleanups.push(() => rmSync(outDir, { recursive: true, force: true }));
  backupDir = (await createBackup({ config: store.ctx.config, database: store.ctx.database, provider: store.ctx.vault.provider, outDir })).dir;
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await store?.close();
});

test(`backup on ${testDbKind}: encrypted parts, a MACed manifest, never the master key`, async () => {
  const files = readdirSync(backupDir).sort();
  assert.deepEqual(files, ['audit.enc', 'database.enc', 'files.enc', 'keys.enc', 'manifest.json', 'manifest.mac', 'uploads.enc']);
  const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.database.kind, testDbKind);
  assert.equal(manifest.key.kekId, await store.ctx.vault.provider.currentKekId());
  // No plain text of the store in any part: the order number and the image bytes are encrypted.
  for (const f of files.filter((f) => f.endsWith('.enc'))) {
    const bytes = readFileSync(path.join(backupDir, f));
    assert.ok(!bytes.includes(Buffer.from(orderNumber)) && !bytes.includes(Buffer.from('not really an image')), f);
  }
  // The keys part holds the audit and guard keys, never the master key (T1: a backup carrying its key protects nothing).
  const v = await verifyBackup(backupDir, store.ctx.vault.provider);
  assert.deepEqual(v.findings, []);
  const keysPart = manifest.parts.find((p: { name: string }) => p.name === 'keys');
  const names = (await unpackFiles(decryptPart(path.join(backupDir, 'keys.enc'), partKey(v.key!, 'keys'), keysPart.iv, keysPart.tag, partAad(manifest.id, 'keys')), () => null)).map((f) => f.path);
  assert.ok(names.includes('audit-ed25519.pub'), names.join());
  assert.ok(!names.some((n) => n.startsWith('master')), names.join());
  const uploads = manifest.parts.find((p: { name: string }) => p.name === 'uploads');
  assert.equal(uploads.files, 1);
  assert.ok(manifest.parts.find((p: { name: string }) => p.name === 'audit').files >= 1, 'the audit JSON lines are in');
  // The audit trail records the backup.
  const entry = await store.ctx.db.selectFrom('audit_entry').select(['action', 'object_id']).where('action', '=', 'backup.create').executeTakeFirstOrThrow();
  assert.equal(entry.object_id, manifest.id);
});

test(`backup verify on ${testDbKind}: intact passes; one flipped byte in any part or in the manifest fails, naming it`, async () => {
  const config = store.ctx.config;
  const ok = lines();
  assert.equal(await runBackup(['verify', backupDir], config, ok.sink), 0, ok.out.join('\n'));
  assert.match(ok.out.at(-1)!, /intact$/);
  for (const [file, part, at] of [['database.enc', 'database', 0.5], ['uploads.enc', 'uploads', 0.9], ['keys.enc', 'keys', 0], ['manifest.json', 'manifest', 0.3], ['manifest.mac', 'manifest', 0]] as const) {
    const copy = mkdtempSync(path.join(tmpdir(), 'omamori-tampered-'));
    cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(backupDir, copy, { recursive: true });
    const target = path.join(copy, file);
    const bytes = readFileSync(target);
    const i = Math.floor(bytes.length * at);
    bytes[i] = file === 'manifest.mac' ? (bytes[i] === 0x30 ? 0x31 : 0x30) : bytes[i]! ^ 0x01;
    writeFileSync(target, bytes);
    const r = lines();
    assert.equal(await runBackup(['verify', copy], config, r.sink), 1, `${file}: ${r.out.join('\n')}`);
    assert.ok(r.out.some((l) => l.startsWith(`FINDING ${part}:`) || (part === 'manifest' && l.startsWith('FINDING key:'))), `${file}: ${r.out.join('\n')}`);
    // A tampered backup is never restored.
    const empty = await emptyTarget(config);
    await assert.rejects(runBackup(['restore', copy], empty.config, silent), /does not verify|unreadable/);
    await empty.drop();
  }
});

/** A fresh empty DATA_DIR (and on PostgreSQL an empty database), as on a new machine; `withKey` copies the master key file there. */
async function emptyTarget(from: Config, opts: { withKey?: boolean } = { withKey: true }): Promise<{ config: Config; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omamori-restore-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  if (opts.withKey) {
    mkdirSync(path.join(dataDir, 'keys'), { mode: 0o700 });
    copyFileSync(from.masterKeyFile, path.join(dataDir, 'keys', 'master.key'));
  }
  const config = loadConfig({ ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', SEED_DEMO: '0', LOG_LEVEL: 'silent', SMTP_URL: '', REDIS_URL: '' } as NodeJS.ProcessEnv, { smtpUrl: undefined, redisUrl: undefined });
  return { config, drop: async () => (await pg?.drop(), rmSync(dataDir, { recursive: true, force: true })) };
}

test(`backup restore on ${testDbKind}: into an empty database the same store comes back, and the audit trail still verifies`, async () => {
  const noKey = await emptyTarget(store.ctx.config, { withKey: false });
  cleanups.push(noKey.drop);
  await assert.rejects(runBackup(['restore', backupDir], noKey.config, silent), /no master key at .*master\.key/);

  const target = await emptyTarget(store.ctx.config);
  cleanups.push(target.drop);
  const r = lines();
  assert.equal(await runBackup(['restore', backupDir], target.config, r.sink), 0);
  assert.match(r.out.join('\n'), /^restored backup [0-9a-f]{16} /);
  // Not twice: the database is no longer empty.
  await assert.rejects(runBackup(['restore', backupDir], target.config, silent), /not empty|already holds a database/);

  let restored: RunningStore | undefined;
  try {
    restored = await startStore(target.config, { logger: pino({ level: 'silent' }) });
    const url = `http://localhost:${(restored.app.server.address() as { port: number }).port}`;
    restored.ctx.config.publicUrl = url;
    const { db } = restored.ctx;
    const n = async (t: 'product' | 'customer' | 'orders') => Number((await db.selectFrom(t).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    assert.deepEqual({ products: await n('product'), customers: await n('customer'), orders: await n('orders') }, { products: counts.products, customers: counts.customers, orders: counts.orders });
    const order = await db.selectFrom('orders').select(['number', 'total']).executeTakeFirstOrThrow();
    assert.equal(order.number, orderNumber);
    assert.equal(order.total, orderTotal);
    assert.ok(existsSync(path.join(target.config.dataDir, 'uploads', image)), 'the product image is back');
    // A customer signs in with their password on the restored store (personal data decrypts with the same master key).
    const shopper = new TestClient(url);
    assert.equal((await shopper.postForm('/account/sign-in', { email: 'backup-a@example.jp', password })).status, 303);
    assert.equal((await shopper.get('/account')).status, 200);
    // The chain, the signed checkpoints (restored public key) and the restored JSON-lines files all agree.
    await restored.services.audit.flush();
    const audit = lines();
    assert.equal(await runAudit(['verify', '--jsonl'], db, target.config, audit.sink), 0, audit.out.join('\n'));
    assert.match(audit.out.at(-1)!, /intact$/);
    const restoreEntry = await db.selectFrom('audit_entry').select('seq').where('action', '=', 'backup.restore').executeTakeFirst();
    assert.ok(restoreEntry, 'the restore is recorded in the restored trail');
    assert.ok(Number(restoreEntry.seq) > counts.audit);
  } finally {
    await restored?.close();
  }
});
