// The notice campaign at scale (issue 13), part of `npm run bench:incident` and `npm run bench`: N affected guests
// (real encrypted orders, generated), one campaign, every mail handed to a real local SMTP peer (smtp-server) by the
// store's own job runner; then the print-ready letters for M people. Prints each time and its ratio to the issue's
// budget (100,000 mails in 5 minutes, 10,000 letters in 2 minutes); a ratio below 1 is within budget.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { startStore } from '../src/app/boot.ts';
import { startCampaign } from '../src/incidents/campaign.ts';
import { lettersPdf } from '../src/incidents/letters.ts';
import { runScope } from '../src/incidents/scope.ts';
import { incidentDb } from '../src/incidents/tables.ts';
import { orderIndexes, sealOrder } from '../src/orders/encrypted-fields.ts';
import { loadConfig } from '../src/platform/config.ts';
import { dropDatabase, resetDatabase } from './support.ts';

export async function benchNotify(serverUrl: string, mails: number, port: number): Promise<{ seconds: number; ratio: number; delivered: number }> {
  const dbName = 'omamori_bench_incident_mail';
  let delivered = 0;
  const peer = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => { delivered++; cb(); }); } });
  await new Promise<void>((r) => peer.listen(port, '127.0.0.1', r));
  const url = await resetDatabase(serverUrl, dbName);
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-bench-mail-'));
  const store = await startStore(loadConfig({ ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, PORT: '0', SEED_DEMO: '0', LOG_LEVEL: 'silent', SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'omamori <shop@example.jp>', REDIS_URL: '', HOST_CHECK_SECONDS: '0', SILENCE_CHECK_SECONDS: '0' }), { listen: false, logger: pino({ level: 'silent' }) });
  try {
    await store.ctx.jobs.stop();
    const { db, vault } = store.ctx;
    const placed = new Date(Date.now() - 86_400_000);
    let t0 = Date.now();
    for (let done = 0; done < mails; ) {
      const n = Math.min(1000, mails - done);
      const ids = (await sql<{ id: number }>`select nextval(pg_get_serial_sequence('orders', 'id'))::int as id from generate_series(1, ${n})`.execute(db)).rows.map((r) => r.id);
      const rows = await Promise.all(ids.map(async (id, i) => {
        const plain = { email: `guest${done + i}@example.jp`, ship_name: `客 ${done + i}`, ship_name_kana: 'キャク', ship_postal_code: '100-0001', ship_city: '千代田区', ship_line1: '千代田1-1', ship_line2: '', ship_phone: '0300000000', note: '' };
        return { id, number: `N-${id}`, status: 'paid' as const, customer_id: null, access_token_hash: randomBytes(32).toString('hex'), idempotency_key: randomBytes(16).toString('hex'), locale: 'ja' as const, ship_prefecture: '東京都',
          shipping_method: 'standard', shipping_fee: 800, payment_method: 'card' as const, payment_fee: 0, items_total: 3_300, total: 4_100, taxable_10: 2_980, tax_10: 270, taxable_8: 1_120, tax_8: 82, invoice_number: null,
          placed_at: placed, updated_at: placed, ...(await sealOrder(vault, id, plain)), ...orderIndexes(vault, plain) };
      }));
      await db.insertInto('orders').values(rows as never).execute();
      done += n;
    }
    console.log(`notify: generated ${mails} encrypted guest orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const { id: staffId } = await db.insertInto('staff').values({ email: 'owner@bench', name: 'owner', password_hash: 'x', role: 'owner' }).returning('id').executeTakeFirstOrThrow();
    const idb = incidentDb(db);
    const { id } = await idb.insertInto('incident').values({ title: 'bench', severity: 'critical', kind: 'card_skimming', known_at: new Date(), declared_by: staffId, window_from: new Date(), window_to: new Date() }).returning('id').executeTakeFirstOrThrow();
    const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    const scope = await runScope(idb, id, { from: day(-3), to: day(1), cardOnly: true, includeCustomers: false }, staffId);
    t0 = Date.now();
    await startCampaign(idb, id, scope.scopeId, staffId);
    await store.ctx.jobs.drain(); // the store's job runner: campaign batches (decrypt, queue) and every mail.send
    const seconds = (Date.now() - t0) / 1000;
    const budget = (300 * mails) / 100_000; // 5 minutes for 100,000
    const ratio = seconds / budget;
    console.log(`notify: ${mails} notices queued and handed to the SMTP peer (${delivered} received) in ${seconds.toFixed(1)} s = ${(mails / seconds).toFixed(0)} mails/s; budget ${budget.toFixed(0)} s (5 min per 100,000): ratio ${ratio.toFixed(2)}${ratio <= 1 ? '  ok' : '  MISSED'}`);
    return { seconds, ratio, delivered };
  } finally {
    await store.close();
    await new Promise<void>((r) => peer.close(() => r()));
    await dropDatabase(serverUrl, dbName);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchLetters(letters: number): Promise<{ seconds: number; ratio: number }> {
  const contact = { subject: 'o:1', name: '佐藤 花子', email: '', locale: 'ja' as const, postal: { postalCode: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: 'オマモリビル 4階' } };
  const notice = { title: '不正アクセスによる個人情報漏えいに関するお詫びとお知らせ', background: '当店のサイトにおいてカード情報の窃取の事案を確認いたしました。'.repeat(3), status: '影響を受けたおそれのあるお客様: 10,000名', request: 'カードのご利用明細をご確認ください。', prevention: '改ざん検知を強化します。', contact: 'お問い合わせ窓口' };
  const t0 = Date.now();
  const pdf = await lettersPdf(Array.from({ length: letters }, (_, i) => ({ ...contact, subject: `o:${i}`, name: `佐藤 花子${i}` })), { shopName: 'omamori coffee', shopUrl: 'https://shop.example', notice, date: new Date() });
  const seconds = (Date.now() - t0) / 1000;
  const budget = (120 * letters) / 10_000;
  const ratio = seconds / budget;
  console.log(`letters: ${letters} pages in ${seconds.toFixed(1)} s, ${(pdf.length / 1024 / 1024).toFixed(0)} MiB PDF; budget ${budget.toFixed(0)} s (2 min per 10,000): ratio ${ratio.toFixed(2)}${ratio <= 1 ? '  ok' : '  MISSED'}`);
  return { seconds, ratio };
}
