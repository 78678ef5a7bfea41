import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { allMails } from '../../test/outbox.ts';
import { customerClient, staffClient } from '../../test/sessions.ts';
import { SmtpPeer } from '../../test/smtp-peer.ts';
import { orderIndexes, sealOrder } from '../orders/encrypted-fields.ts';
import { runIncidentCli } from './cli.ts';
import { sendDueReminders } from './reminders.ts';

let store: TestStore;
let smtp: SmtpPeer;
const day = 86_400_000;
before(async () => {
  smtp = await SmtpPeer.start();
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'omamori <shop@example.jp>' } });
});
after(async () => {
  await store?.close();
  await smtp?.stop();
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runIncidentCli(args, store.ctx, async () => 'omamori coffee', { log: (s: string) => out.push(s), error: (s: string) => out.push(`ERR ${s}`) });
  return { code, out: out.join('\n') };
}

async function cardOrder(customerId: number | null, email: string, placed: Date): Promise<void> {
  const { db, vault } = store.ctx;
  const id = await vault.nextRowId(db, 'orders');
  const plain = { email, ship_name: '鈴木 一郎', ship_name_kana: 'スズキ イチロウ', ship_postal_code: '530-0001', ship_city: '大阪市北区', ship_line1: '梅田1-1-1', ship_line2: '', ship_phone: '0611112222', note: '' };
  await db
    .insertInto('orders')
    .values({
      id, number: `R-${randomBytes(4).toString('hex')}`, status: 'paid', customer_id: customerId, access_token_hash: customerId ? null : randomBytes(32).toString('hex'), idempotency_key: randomBytes(16).toString('hex'),
      locale: 'ja', ship_prefecture: '大阪府', shipping_method: 'standard', shipping_fee: 800, payment_method: 'card', payment_fee: 0,
      items_total: 3_300, total: 4_100, taxable_10: 2_980, tax_10: 270, taxable_8: 1_120, tax_8: 82, invoice_number: 'T1234567890123',
      placed_at: placed, updated_at: placed, ...(await sealOrder(vault, id, plain)), ...orderIndexes(vault, plain),
    })
    .execute();
}

/** A delivery-status report as a receiving MTA (Postfix) returns it some time after accepting the mail. */
function dsn(recipient: string, rawOriginal: string, status = '5.1.1'): string {
  const messageId = /^Message-ID:\s*(.*)$/im.exec(rawOriginal)![1]!.trim();
  return [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'To: shop@example.jp',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsnB"',
    '',
    '--dsnB',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.net. Your message could not be delivered.',
    '',
    '--dsnB',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Mon,  7 Dec 2026 10:00:00 +0900 (JST)',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    'Action: failed',
    `Status: ${status}`,
    'Diagnostic-Code: smtp; 550 5.1.1 <mailbox> User unknown',
    '',
    '--dsnB',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${messageId}`,
    'Subject: notice',
    '',
    '--dsnB--',
    '',
  ].join('\r\n');
}

test('a bounce that comes back later as a DSN moves the recipient to the letter list; a forged or soft one does not; the account page shows the notice', { timeout: 300_000 }, async () => {
  const now = Date.now();
  const { client: shopper, customerId } = await customerClient(store, { email: 'ichiro@example.jp', name: '鈴木 一郎' });
  await cardOrder(customerId, 'ichiro@example.jp', new Date(now - day));
  await cardOrder(null, 'later-gone@example.net', new Date(now - day));
  await cardOrder(null, 'soft@example.net', new Date(now - day));
  await staffClient(store, 'owner'); // the host's owner the CLI acts as
  const declared = await cli(['declare', '--kind', 'card_skimming', '--title', 'DSN の確認', '--json']);
  assert.equal(declared.code, 0, declared.out);
  const id = (JSON.parse(declared.out) as { id: number }).id;
  const from = new Date(now - 5 * day).toISOString().slice(0, 10);
  const to = new Date(now + day).toISOString().slice(0, 10);
  const scoped = await cli(['scope', String(id), '--from', from, '--to', to, '--card-only', '--json']);
  assert.equal(scoped.code, 0, scoped.out);
  assert.equal((JSON.parse(scoped.out) as { total: number }).total, 3);
  assert.equal((await cli(['notify', String(id)])).code, 0);
  await store.drainJobs();
  await store.drainJobs();
  const received = (addr: string) => smtp.received.find((m) => m.to.includes(addr))!;
  for (const a of ['ichiro@example.jp', 'later-gone@example.net', 'soft@example.net']) assert.ok(received(a), `${a} accepted by the SMTP peer`);
  const show = async () => JSON.parse((await cli(['show', String(id), '--json'])).out) as { campaigns: Array<{ sent: number; bounced: number }>; timeline: Array<{ kind: string }> };
  assert.deepEqual([(await show()).campaigns[0]!.sent, (await show()).campaigns[0]!.bounced], [3, 0]);

  // The returned mails: one real hard bounce; one for a different address than the mail was sent to (forged); a
  // transient 4.x.x; one that names no mail of ours.
  const dir = mkdtempSync(join(tmpdir(), 'omamori-dsn-'));
  try {
    const files = {
      hard: dsn('later-gone@example.net', received('later-gone@example.net').raw),
      forged: dsn('ichiro-not@example.jp', received('ichiro@example.jp').raw),
      soft: dsn('soft@example.net', received('soft@example.net').raw, '4.2.2'),
      stranger: dsn('x@example.net', 'Message-ID: <abc@elsewhere.example>'),
    };
    for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, `${k}.eml`), v);
    const r = await cli(['bounce', ...Object.keys(files).map((k) => join(dir, `${k}.eml`)), '--json']);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual((JSON.parse(r.out) as Array<{ outcome: string }>).map((x) => x.outcome), ['bounced', 'not_failed', 'not_failed', 'unknown_message']);
    const again = await cli(['bounce', join(dir, 'hard.eml'), '--json']);
    assert.equal((JSON.parse(again.out) as Array<{ outcome: string }>)[0]!.outcome, 'already');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await show();
  assert.deepEqual([after.campaigns[0]!.sent, after.campaigns[0]!.bounced], [2, 1]);
  assert.ok(after.timeline.some((e) => e.kind === 'bounced'));
  // The bounced guest is on the mailing house's list; the others are not.
  const { client: owner } = await staffClient(store, 'owner');
  const campaign = await store.ctx.db.selectFrom('incident_campaign' as never).select('id' as never).where('incident_id' as never, '=', id as never).executeTakeFirstOrThrow() as { id: number };
  const csv = await owner.postForm(`/admin/security/incidents/${id}/campaign/${campaign.id}/letters.csv`, {});
  assert.equal(csv.status, 200);
  assert.equal(csv.text.split('\n').filter((l) => l.includes('530-0001')).length, 1, csv.text);

  // The affected customer's account page: nothing before the notice is published, then the notice and when it was mailed.
  assert.doesNotMatch((await shopper.get('/account')).text, /data-incident-notice/);
  const path = `/admin/security/incidents/${id}`;
  assert.equal((await owner.postForm(`${path}/notice`, { title: 'カード情報に関するお詫び', background: '経緯', status: '3名', request: '明細をご確認ください', prevention: '対策', contact: '窓口' })).status, 303);
  assert.equal((await owner.postForm(`${path}/notice/1/publish`, {})).status, 303);
  const account = (await shopper.get('/account')).text;
  assert.match(account, new RegExp(`data-incident-notice="${id}"`));
  assert.match(account, /カード情報に関するお詫び/);
  assert.match(account, /同じ内容のメールをお送りしました/);
  assert.match(account, /href="\/notice#incident-/);
  const { client: other } = await customerClient(store, { email: 'unaffected@example.jp' });
  assert.doesNotMatch((await other.get('/account')).text, /data-incident-notice/, 'only affected customers see the banner');
});

test('deadline reminders: owners are mailed before the 速報 and 確報 deadlines, once each, and not after the report is marked submitted', { timeout: 120_000 }, async () => {
  const { staffId } = await staffClient(store, 'owner');
  const known = new Date(Date.now() - 3.2 * day);
  const made = await cli(['declare', '--kind', 'data_leak', '--title', '期限の確認', '--known-at', known.toISOString(), '--json']);
  assert.equal(made.code, 0, made.out);
  const id = (JSON.parse(made.out) as { id: number }).id;
  const { db } = store.ctx;
  const before = (await allMails(store, 'incident.reminder')).length;
  const owners = (await db.selectFrom('staff').select('id').where('role', '=', 'owner').where('active', '=', true).execute()).length;
  const ours = async () => (await allMails(store, 'incident.reminder')).slice(before).filter((m) => m.subject.includes(`#${id}`));

  // Day 3.2: the 速報 is coming (by day 5).
  await sendDueReminders(store.ctx);
  let mails = await ours();
  assert.equal(mails.length, owners);
  assert.match(mails[0]!.subject, /速報の期限まであと2日/);
  assert.match(mails[0]!.text_body, new RegExp(`/admin/security/incidents/${id}/report\\?ppc=preliminary`));
  await sendDueReminders(store.ctx);
  assert.equal((await ours()).length, owners, 'never twice');

  // Day 4.5: the last day before the 速報 deadline.
  await sendDueReminders(store.ctx, new Date(known.getTime() + 4.5 * day));
  mails = await ours();
  assert.equal(mails.length, 2 * owners);
  assert.match(mails[mails.length - 1]!.subject, /速報の期限まであと1日/);

  // The 確報 (30 days: not malicious) a week before; not once the final report is marked submitted.
  await db.insertInto('incident_report' as never).values({ incident_id: id, stage: 'final', fields: '{}', saved_by: staffId, submitted_at: new Date() } as never).execute();
  await sendDueReminders(store.ctx, new Date(known.getTime() + 29.5 * day));
  assert.equal((await ours()).length, 2 * owners, 'the final report was submitted');
  await db.deleteFrom('incident_report' as never).where('incident_id' as never, '=', id as never).execute();
  await sendDueReminders(store.ctx, new Date(known.getTime() + 23.5 * day));
  mails = await ours();
  assert.equal(mails.length, 3 * owners);
  assert.match(mails[mails.length - 1]!.subject, /確報の期限まであと7日/);
  const show = JSON.parse((await cli(['show', String(id), '--json'])).out) as { timeline: Array<{ kind: string; detail: { deadline?: string } }> };
  assert.deepEqual(show.timeline.filter((e) => e.kind === 'reminder_sent').map((e) => e.detail.deadline), ['preliminary', 'preliminary', 'final']);
});
