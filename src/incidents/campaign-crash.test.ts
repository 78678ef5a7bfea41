// Issue 13: a notice campaign survives its sending process being killed (SIGKILL, no shutdown code runs) and
// resumes on restart with no notice lost and none sent twice as a second mail.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { createTestDatabase, testDbKind } from '../../test/harness.ts';
import { freePort } from '../../test/faults/services.ts';
import { startStore } from '../app/boot.ts';
import { orderIndexes, sealOrder } from '../orders/encrypted-fields.ts';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { mailConcurrencyFrom } from '../platform/mail/mailer.ts';
import { startCampaign } from './campaign.ts';
import { runScope } from './scope.ts';
import { declareIncident } from './store.ts';
import { incidentDb } from './tables.ts';

const people = Number(process.env.INCIDENT_CRASH_PEOPLE ?? 150);
const day = 86_400_000;

/** A real SMTP peer that takes a little time per mail (so the kill lands mid-run) and keeps each mail's Message-ID. */
async function slowPeer(delayMs: number) {
  const port = await freePort();
  const received: Array<{ to: string; messageId: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () =>
        setTimeout(() => {
          const messageId = /^Message-ID:\s*(.*)$/im.exec(raw)?.[1]?.trim() ?? '';
          // Only the notices: the store also mails its owner (alerts) from the same process.
          for (const r of session.envelope.rcptTo) if (/^guest\d+@/.test(r.address)) received.push({ to: r.address, messageId });
          callback();
        }, delayMs),
      );
    },
  });
  // The killed sender leaves its pooled SMTP connections open; their reset is expected, not a failure of the peer.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function startSender(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string, output: () => string): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    assert.ok(Date.now() - t0 < ms, `${what} within ${ms} ms\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test(`the sending process is SIGKILLed mid-campaign and restarted on ${testDbKind}: every affected person gets exactly one notice`, { timeout: 600_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-crash-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  const peer = await slowPeer(15);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', SEED_DEMO: '0', LOG_LEVEL: 'warn', SMTP_URL: peer.url, MAIL_FROM: 'omamori <shop@example.jp>', REDIS_URL: '', HOST_CHECK_SECONDS: '0', SILENCE_CHECK_SECONDS: '0' };
  let sender: ReturnType<typeof startSender> | undefined;
  try {
    // The scene, written by the store's own code on the store's own data directory (or database): guests who paid by
    // card, an incident, its scope and a campaign whose batches wait in the job queue.
    const setup = await startStore(loadConfig({ ...env, SMTP_URL: '' }), { listen: false, logger: pino({ level: 'silent' }) });
    let incidentId: number;
    try {
      await setup.ctx.jobs.stop();
      const { db, vault } = setup.ctx;
      const now = Date.now();
      for (let i = 0; i < people; i++) {
        const id = await vault.nextRowId(db, 'orders');
        const plain = { email: `guest${i}@example.jp`, ship_name: `客 ${i}`, ship_name_kana: 'キャク', ship_postal_code: '100-0001', ship_city: '千代田区', ship_line1: `千代田1-${i}`, ship_line2: '', ship_phone: '0300000000', note: '' };
        await db.insertInto('orders').values({
          id, number: `K-${i}`, status: 'paid', customer_id: null, access_token_hash: randomBytes(32).toString('hex'), idempotency_key: randomBytes(16).toString('hex'), locale: 'ja', ship_prefecture: '東京都',
          shipping_method: 'standard', shipping_fee: 800, payment_method: 'card', payment_fee: 0, items_total: 3_300, total: 4_100, taxable_10: 2_980, tax_10: 270, taxable_8: 1_120, tax_8: 82, invoice_number: null,
          placed_at: new Date(now - day), updated_at: new Date(now - day), ...(await sealOrder(vault, id, plain)), ...orderIndexes(vault, plain),
        }).execute();
      }
      const { id: ownerId } = await db.insertInto('staff').values({ email: 'owner@example.jp', name: 'オーナー', password_hash: 'not-a-hash:test-only', role: 'owner' }).returning('id').executeTakeFirstOrThrow();
      const idb = incidentDb(db);
      incidentId = (await declareIncident(idb, { title: '送信中の停止', kind: 'card_skimming', severity: 'critical', knownAt: new Date(now - day), leadStaffId: ownerId, alertId: null, declaredBy: ownerId })).id;
      const scope = await runScope(idb, incidentId, { from: new Date(now - 3 * day).toISOString().slice(0, 10), to: new Date(now + day).toISOString().slice(0, 10), cardOnly: true, includeCustomers: false }, ownerId);
      assert.equal(scope.total, people);
      await startCampaign(idb, incidentId, scope.scopeId, ownerId);
    } finally {
      await setup.close();
    }

    // The store starts, its job runner sends; it is killed with a third of the mails handed over.
    sender = startSender(env);
    const first = sender;
    await until(() => peer.received.length >= people / 3, 300_000, 'a third of the notices sent', first.output);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null, 'killed, not exited');
    const atKill = peer.received.length;
    assert.ok(atKill < people, `killed mid-run (${atKill} of ${people} sent)`);
    sender = undefined;

    // The killed process held a job's lease (5 minutes); its expiry is what another instance or a restart waits
    // for. The test lets that time pass at once.
    const handle = await openDatabase(loadConfig(env), { role: 'command' });
    try {
      await sql`update job set locked_until = null where status = 'pending'`.execute(handle.db);
    } finally {
      await handle.close();
    }

    sender = startSender(env);
    const second = sender;
    await until(() => new Set(peer.received.map((m) => m.to)).size >= people, 300_000, 'every notice sent after the restart', second.output);
    await new Promise((r) => setTimeout(r, 1000)); // anything left over would show up as a duplicate here
    second.child.kill('SIGTERM');
    await second.exited;
    sender = undefined;

    // Nobody missed; nobody got a second, different notice (at most the mails in flight at the kill, MAIL_CONCURRENCY
    // of them, are handed over again, under the same Message-ID, which mail clients show once).
    const byRecipient = new Map<string, Set<string>>();
    for (const m of peer.received) byRecipient.set(m.to, (byRecipient.get(m.to) ?? new Set()).add(m.messageId));
    assert.equal(byRecipient.size, people, 'no one missed');
    assert.deepEqual([...byRecipient.values()].filter((ids) => ids.size !== 1), [], 'one notice (one Message-ID) per person');
    const redelivered = peer.received.length - people;
    assert.ok(redelivered <= mailConcurrencyFrom(env), `at most the mails in flight handed over twice (${redelivered})`);
    console.log(`killed after ${atKill} of ${people} notices; after the restart all ${people} delivered, ${redelivered} re-delivered with the same Message-ID`);

    const check = await openDatabase(loadConfig(env), { role: 'command' });
    try {
      const r = await sql<{ recipients: number; outbox: number; unsent: number; done: boolean }>`select
        (select count(*)::int from incident_recipient) as recipients,
        (select count(*)::int from mail_outbox where kind = 'incident.notice') as outbox,
        (select count(*)::int from mail_outbox where kind = 'incident.notice' and status <> 'sent') as unsent,
        (select bool_and(status = 'done') from incident_campaign) as done`.execute(check.db);
      assert.deepEqual(r.rows[0], { recipients: people, outbox: people, unsent: 0, done: true });
    } finally {
      await check.close();
    }
  } finally {
    sender?.child.kill('SIGKILL');
    await sender?.exited;
    await peer.close();
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
