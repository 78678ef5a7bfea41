import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { SmtpPeer } from '../../test/smtp-peer.ts';
import { allMails } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { alertChannelConfig } from './channels-config.ts';
import { digestDue, sendAlertDigest } from '../security-overview/alert-digest.ts';
import { raiseAlert } from './raise.ts';
import { deliveryHeader, signatureHeader, signWebhook, verifyWebhookSignature } from './webhook.ts';

// Real peers on loopback: an HTTP receiver that checks the HMAC signature, and an SMTP server for the digest.
const secret = 'test-webhook-secret-0123456789abcdef';
interface Delivery { id: string; body: { text: string; blocks?: unknown[] } }
const delivered: Delivery[] = [];
// Counted per delivery id and failed per alert title: the store may post its own alerts meanwhile.
const attemptsById = new Map<string, number>();
const failuresLeftByTitle = new Map<string, number>();
let badSignatures = 0;
let receiver: Server;
let smtp: SmtpPeer;
let store: TestStore;

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const id = String(req.headers[deliveryHeader]);
      attemptsById.set(id, (attemptsById.get(id) ?? 0) + 1);
      if (!verifyWebhookSignature(secret, body, req.headers[signatureHeader] as string | undefined)) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const text = (JSON.parse(body) as { text: string }).text;
      const failing = [...failuresLeftByTitle].find(([title, left]) => left > 0 && text.includes(title));
      if (failing) {
        failuresLeftByTitle.set(failing[0], failing[1] - 1);
        res.writeHead(503).end('try later');
        return;
      }
      if (!delivered.some((d) => d.id === id)) delivered.push({ id, body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  smtp = await SmtpPeer.start();
  process.env.ALERT_WEBHOOK_URL = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/omamori`;
  process.env.ALERT_WEBHOOK_SECRET = secret;
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'omamori <shop@example.jp>', jobRetryBaseMs: 20, jobRetryMaxMs: 200 } });
});
after(async () => {
  delete process.env.ALERT_WEBHOOK_URL;
  delete process.env.ALERT_WEBHOOK_SECRET;
  await store.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await smtp.stop();
});

async function until(what: string, done: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await store.drainJobs();
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a new alert is posted to the webhook as signed Slack-compatible JSON, once', async () => {
  const { id } = await raiseAlert(store.ctx.db, { kind: 'integrity', severity: 'critical', title: 'ファイル改ざん検知 / file modified', detail: { path: 'static/js/x.js' } });
  await until('the delivery', () => delivered.some((d) => d.id === `${id}-1`));
  const d = delivered.find((x) => x.id === `${id}-1`)!;
  assert.match(d.body.text, /CRITICAL: ファイル改ざん検知/);
  assert.match(d.body.text, new RegExp(`/admin/security/alerts/${id}`));
  assert.ok(Array.isArray(d.body.blocks) && d.body.blocks.length === 2);
  assert.doesNotMatch(JSON.stringify(d.body), /static\/js\/x\.js/, 'the detail stays in the console');
  assert.equal(badSignatures, 0);
  // A repeat within the window is counted, not posted.
  await raiseAlert(store.ctx.db, { kind: 'integrity', severity: 'critical', title: 'ファイル改ざん検知 / file modified' });
  await store.drainJobs();
  assert.equal(delivered.filter((x) => x.id.startsWith(`${id}-`)).length, 1);
});

test('a receiver that fails twice gets the alert on the third try, delivered once; the job ends done', async () => {
  const title = '定期バックアップに失敗しました (flaky receiver)';
  failuresLeftByTitle.set(title, 2);
  const { id } = await raiseAlert(store.ctx.db, { kind: 'backup_failed', severity: 'high', title });
  await until('the retried delivery', () => delivered.some((d) => d.id === `${id}-1`));
  assert.equal(attemptsById.get(`${id}-1`), 3, 'two refusals, then accepted');
  assert.equal(delivered.filter((d) => d.id === `${id}-1`).length, 1);
  // The payload is sealed; the retried job is the one with three attempts. None failed for good.
  // The job is marked done just after the receiver answered: wait for that write.
  const webhookJobs = () => store.ctx.db.selectFrom('job').select(['status', 'attempts']).where('kind', '=', 'alert.webhook').execute();
  let jobs = await webhookJobs();
  for (let i = 0; i < 100 && !jobs.some((j) => j.status === 'done' && j.attempts >= 3); i++) {
    await new Promise((r) => setTimeout(r, 20));
    jobs = await webhookJobs();
  }
  assert.ok(jobs.some((j) => j.status === 'done' && j.attempts >= 3), JSON.stringify(jobs));
  assert.ok(jobs.every((j) => j.status !== 'failed'), JSON.stringify(jobs));
});

test('signatures: a tampered body, another secret or an old timestamp does not verify; the config needs a secret', () => {
  const body = JSON.stringify({ text: 'x' });
  const sig = signWebhook(secret, body);
  assert.ok(verifyWebhookSignature(secret, body, sig));
  assert.ok(!verifyWebhookSignature(secret, `${body} `, sig));
  assert.ok(!verifyWebhookSignature('another-secret-0123456789abcdef0123', body, sig));
  assert.ok(!verifyWebhookSignature(secret, body, signWebhook(secret, body, Math.floor(Date.now() / 1000) - 3600)));
  assert.throws(() => alertChannelConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example.com/x' }), /ALERT_WEBHOOK_SECRET/);
  assert.throws(() => alertChannelConfig({ ALERT_WEBHOOK_URL: 'ftp://x', ALERT_WEBHOOK_SECRET: secret }), /http/);
});

test('the daily digest reaches every owner over SMTP, once a day at the digest hour', async () => {
  const { email } = await staffClient(store, 'owner');
  smtp.received.length = 0;
  const n = await sendAlertDigest(store.ctx, store.services.bans);
  assert.ok(n >= 1);
  await until('the digest mail', () => smtp.received.some((m) => m.to.includes(email) && /security digest/.test(m.raw)));
  const digest = (await allMails(store, 'security_digest')).find((m) => m.to_address === email)!;
  assert.match(digest.text_body, /未確認のアラート \/ open alerts: [1-9]/);
  assert.match(digest.text_body, /\/admin\/security\/alerts\/\d+/);
  assert.match(digest.text_body, /セキュリティ概要 \/ security overview: .*\/admin\/security/);
  const nineJst = new Date(Date.UTC(2030, 0, 8, 0, 30)); // 09:30 in Tokyo
  assert.equal(await digestDue(store.ctx, 9, new Date(Date.UTC(2030, 0, 8, 3, 0))), false, 'not the digest hour');
  assert.equal(await digestDue(store.ctx, 9, nineJst), true);
  await store.ctx.db.updateTable('mail_outbox').set({ created_at: new Date(nineJst.getTime() - 3600_000) } as never).where('kind', '=', 'security_digest').execute();
  assert.equal(await digestDue(store.ctx, 9, nineJst), false, 'one a day');
});

test('omamori alerts resolve ID --note closes an alert (acknowledging it too); list --resolved shows it', async () => {
  const { runAlerts } = await import('./cli.ts');
  const lines: string[] = [];
  const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(`ERR ${s}`) };
  const { id } = await raiseAlert(store.ctx.db, { kind: 'test', severity: 'medium', title: 'resolve me' });
  assert.equal(await runAlerts(['resolve', String(id)], store.ctx.db, out), 2, 'a note is required');
  assert.equal(await runAlerts(['resolve', String(id), '--note', 'fixed', '--json'], store.ctx.db, out), 0);
  assert.equal(JSON.parse(lines.pop()!).resolved, true);
  assert.equal(await runAlerts(['resolve', String(id), '--note', 'again'], store.ctx.db, out), 1);
  assert.equal(await runAlerts(['list', '--resolved', '--json'], store.ctx.db, out), 0);
  const listed = JSON.parse(lines.pop()!) as Array<{ id: number; acknowledgedAt: string | null; resolvedAt: string | null }>;
  const mine = listed.find((a) => a.id === id)!;
  assert.ok(mine.resolvedAt && mine.acknowledgedAt);
});
