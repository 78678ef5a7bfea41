import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { allMails } from '../../test/outbox.ts';
import { staffClient } from '../../test/sessions.ts';
import { SmtpPeer } from '../../test/smtp-peer.ts';
import { raiseAlert } from '../alerts/raise.ts';
import { addAddress } from '../identity/customers/addresses.ts';
import { insertCustomerRecord } from '../identity/customers/customer-data.ts';
import { orderIndexes, sealOrder } from '../orders/encrypted-fields.ts';
import { paymentMethodsOff } from '../payments/card/checkout-gate.ts';
import { runIncidentCli } from './cli.ts';
import { incidentFiles } from './files.ts';
import { ppcFields } from './ppc.ts';

let store: TestStore;
let smtp: SmtpPeer;
const day = 86_400_000;
before(async () => {
  smtp = await SmtpPeer.start();
  smtp.rejectRecipients.add('gone@example.jp');
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'omamori <shop@example.jp>' } });
});
after(async () => {
  await store?.close();
  await smtp?.stop();
});

async function order(customerId: number | null, placed: Date, method: 'card' | 'bank_transfer', email: string): Promise<number> {
  const { db, vault } = store.ctx;
  const id = await vault.nextRowId(db, 'orders');
  const plain = { email, ship_name: '佐藤 花子', ship_name_kana: 'サトウ ハナコ', ship_postal_code: '150-0001', ship_city: '渋谷区', ship_line1: '神宮前1-2-3', ship_line2: 'オマモリビル 4階', ship_phone: '0311112222', note: '' };
  await db
    .insertInto('orders')
    .values({
      id, number: `I-${randomBytes(4).toString('hex')}`, status: 'paid', customer_id: customerId, access_token_hash: customerId ? null : randomBytes(32).toString('hex'), idempotency_key: randomBytes(16).toString('hex'),
      locale: 'ja', ship_prefecture: '東京都', shipping_method: 'standard', shipping_fee: 800, payment_method: method, payment_fee: 0,
      items_total: 3_300, total: 4_100, taxable_10: 2_980, tax_10: 270, taxable_8: 1_120, tax_8: 82, invoice_number: 'T1234567890123',
      placed_at: placed, updated_at: placed, ...(await sealOrder(vault, id, plain)), ...orderIndexes(vault, plain),
    })
    .execute();
  return id;
}

type Cli = { code: number; out: string[] };
async function cli(args: string[]): Promise<Cli> {
  const out: string[] = [];
  const code = await runIncidentCli(args, store.ctx, async () => (await store.services.shop.get()).name, { log: (s: string) => out.push(s), error: (s: string) => out.push(`ERR ${s}`) });
  return { code, out };
}

test('the issue\'s proof: integrity alert -> declare -> stop card payments -> scope -> campaign over SMTP with a bounce -> letters -> PPC draft -> timeline', { timeout: 600_000 }, async () => {
  const { db } = store.ctx;
  const now = Date.now();
  // Affected: a registered customer and a guest who paid by card in the window (the guest's mail bounces).
  const customerId = await insertCustomerRecord(store.ctx, { email: 'hanako@example.jp', name: '佐藤 花子', name_kana: 'サトウ ハナコ', phone: '09011112222', password_hash: 'not-a-hash:test-only' });
  await addAddress(store.ctx, customerId, { name: '佐藤 花子', name_kana: 'サトウ ハナコ', postal_code: '150-0001', prefecture: '東京都', city: '渋谷区', line1: '神宮前1-2-3', line2: '', phone: '0311112222', is_default: true });
  await order(customerId, new Date(now - 2 * day), 'card', 'hanako@example.jp');
  await order(null, new Date(now - 3 * day), 'card', 'gone@example.jp');
  // Not affected: a bank transfer in the window, a card order long before it.
  await order(null, new Date(now - 2 * day), 'bank_transfer', 'transfer@example.jp');
  await order(null, new Date(now - 200 * day), 'card', 'old@example.jp');

  // The skimmer is found: an integrity finding and its critical alert.
  await db.insertInto('integrity_finding').values({ kind: 'added', path: 'static/js/skim.js', expected_sha256: null, observed_sha256: 'ab'.repeat(32), instance: 'test' }).execute();
  const alert = await raiseAlert(db, { kind: 'integrity', severity: 'critical', title: 'ファイルが追加されました: static/js/skim.js', fingerprint: 'integrity:static/js/skim.js' });

  const { client: owner } = await staffClient(store, 'owner');
  assert.match((await owner.get(`/admin/security/alerts/${alert.id}`)).text, /from-alert\/\d+/, 'one click from the alert page');
  const declared = await owner.postForm(`/admin/security/incidents/from-alert/${alert.id}`, {});
  assert.equal(declared.status, 303);
  const path = declared.location!;
  const id = Number(/\/(\d+)$/.exec(path)![1]);
  const inc = await db.selectFrom('incident' as never).selectAll().where('id' as never, '=', id as never).executeTakeFirstOrThrow() as { kind: string; malicious: boolean; evidence_manifest_sha256: string };
  assert.equal(inc.kind, 'card_skimming');
  assert.equal(inc.malicious, true);
  assert.match(inc.evidence_manifest_sha256, /^[0-9a-f]{64}$/);

  // Card payments stop on every instance (the switch is in the database); audited and on the timeline.
  assert.equal((await owner.postForm(`${path}/contain/stop_card_payments`, {})).status, 303);
  assert.equal(store.services.switches.engaged('card_payments_stopped'), true);
  assert.ok(paymentMethodsOff(store.services, 'ja').card, 'checkout shows card as unavailable');
  assert.equal((await db.selectFrom('audit_entry').select('action').where('action', '=', 'incident.stop_card_payments').execute()).length, 1);

  // Scope: who paid by card in the window.
  const from = new Date(now - 10 * day).toISOString().slice(0, 10);
  const to = new Date(now + day).toISOString().slice(0, 10);
  assert.equal((await owner.postForm(`${path}/scope`, { from, to, card_only: '1' })).status, 303);
  const page = await owner.get(path);
  assert.match(page.text, /data-scope-total="2"/);
  assert.match(page.text, /報告と本人への通知が必要です/);
  const hanakoOrder = await db.selectFrom('orders').select(['id', 'number']).where('customer_id', '=', customerId).executeTakeFirstOrThrow();
  await db.insertInto('card_payment').values({ order_id: hanakoOrder.id, order_number: hanakoOrder.number, provider: 'sandbox', session_id: 'cs_test_1', payment_intent_id: 'pi_test_1', status: 'paid', capture_method: 'automatic', amount: 4100, card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2030 }).execute();
  const cards = await owner.postForm(`${path}/card-payments.csv`, {});
  assert.match(cards.text, new RegExp(`${hanakoOrder.number},visa,4242,pi_test_1,paid,4100`), 'the list for the card companies');

  // The campaign: queued in batches, sent to a real SMTP peer; the rejected address bounces.
  assert.equal((await owner.postForm(`${path}/campaign`, {})).status, 303);
  await store.drainJobs();
  await store.drainJobs();
  const delivered = smtp.received.filter((m) => m.to.includes('hanako@example.jp') || m.to.includes('gone@example.jp'));
  assert.deepEqual(delivered.map((m) => m.to).flat(), ['hanako@example.jp']);
  const notices = await allMails(store, 'incident.notice');
  assert.equal(notices.length, 2);
  assert.ok(notices.every((m) => m.text_body.includes('お支払いのやり直しをお願いしたりすることはありません') && m.text_body.includes(`${store.ctx.config.publicUrl}/notice`)), 'anti-phishing sentence and own-domain link');
  const shown = await owner.get(path);
  assert.match(shown.text, /送信済み 1 \/ 届かなかった（郵送へ） 1/);

  // A second run of the same batch (a crash and a retry) mails nobody twice.
  const campaign = await db.selectFrom('incident_campaign' as never).select('id' as never).executeTakeFirstOrThrow() as { id: number };
  await db.updateTable('incident_campaign' as never).set({ status: 'sending', cursor: '' } as never).execute();
  const { enqueueJob } = await import('../platform/jobs/queue.ts');
  await db.transaction().execute((trx) => enqueueJob(trx, 'incident.campaign.batch', { campaignId: campaign.id }));
  await store.drainJobs();
  assert.equal((await allMails(store, 'incident.notice')).length, 2, 'idempotent per recipient');

  // The bounced guest gets a letter: PDF (A4, Japanese font from the dependencies) and a CSV, through the guarded export.
  const pdfRes = await owner.postForm(`${path}/campaign/${campaign.id}/letters.pdf`, {});
  assert.equal(pdfRes.status, 200);
  assert.equal(pdfRes.headers.get('content-type'), 'application/pdf');
  const { client: owner2, staffId: owner2Id } = await staffClient(store, 'owner');
  const file = await incidentFiles(store.ctx, async () => 'omamori coffee').lettersPdf(id, campaign.id, { id: owner2Id, name: 'オーナー2', role: 'owner' });
  assert.equal(file.items, 1);
  const pdf = await PDFDocument.load(file.body as Uint8Array);
  assert.equal(pdf.getPageCount(), 1);
  const { width, height } = pdf.getPage(0).getSize();
  assert.deepEqual([Math.round(width), Math.round(height)], [595, 842]);
  assert.ok(file.body.length > 5_000, 'the subset Japanese fonts are embedded');
  const csv = await owner2.postForm(`${path}/campaign/${campaign.id}/letters.csv`, {});
  assert.match(csv.text, /150-0001,東京都,渋谷区,神宮前1-2-3,オマモリビル 4階,佐藤 花子/);
  assert.match(csv.text, /個人情報を含みます/);
  const exportsMade = await db.selectFrom('data_export').select('kind').where('kind', '=', 'incident_letters').execute();
  assert.equal(exportsMade.length, 3);
  await store.drainJobs();
  assert.ok((await allMails(store, 'export.notice')).length >= 3, 'owners hear of every incident file');

  // The public notice: generated, edited, published.
  const draft = await owner.get(path);
  assert.equal(draft.inputValue('title'), '不正アクセスによる個人情報漏えいに関するお詫びとお知らせ');
  assert.equal((await owner.postForm(`${path}/notice`, { title: 'カード情報流出に関するお詫びとお知らせ', background: '経緯の本文', status: '2名', request: '明細をご確認ください', prevention: '対策', contact: '窓口 03-0000-0000' })).status, 303);
  assert.doesNotMatch((await owner.get('/notice')).text, /カード情報流出に関するお詫び/, 'not before publishing');
  assert.equal((await owner.postForm(`${path}/notice/1/publish`, {})).status, 303);
  assert.match((await owner.get('/notice')).text, /カード情報流出に関するお詫びとお知らせ/);

  // The PPC preliminary draft: one key per field of the commission's form, every one filled.
  const report = await cli(['report', String(id), '--ppc', 'preliminary', '--json']);
  assert.equal(report.code, 0);
  const r = JSON.parse(report.out.join('\n')) as { fields: Record<string, string>; deadline: string; triggers: { reportRequired: boolean } };
  assert.deepEqual(Object.keys(r.fields), [...ppcFields]);
  assert.ok(Object.values(r.fields).every((v) => v.trim().length > 0 && v !== '調査中' || v === '調査中'));
  assert.match(r.fields.number_of_people!, /2名（うちカード決済 2名）/);
  assert.match(r.fields.response_to_individuals!, /メールでの通知 1名、郵送での通知 1名/);
  assert.equal(r.triggers.reportRequired, true);
  const text = await owner.get(`${path}/report?ppc=final`);
  assert.match(text.text, /確報/);
  assert.match(text.text, /再発防止のための措置/);
  const reportPdf = await owner.get(`${path}/report?ppc=preliminary&format=pdf`);
  assert.equal(reportPdf.headers.get('content-type'), 'application/pdf');

  // The timeline shows each step with its time and who took it; the CLI shows the same case.
  const show = await cli(['show', String(id), '--json']);
  const c = JSON.parse(show.out.join('\n')) as { timeline: Array<{ at: string; who: string; kind: string }>; evidence: { ok: boolean; items: number }; deadlines: { finalDays: number } };
  const kinds = c.timeline.map((e) => e.kind);
  for (const k of ['declared', 'evidence_frozen', 'containment', 'scoped', 'campaign_started', 'campaign_done', 'export', 'notice_saved', 'notice_published']) assert.ok(kinds.includes(k), `timeline has ${k}: ${kinds.join(',')}`);
  assert.ok(c.timeline.every((e) => !Number.isNaN(Date.parse(e.at))));
  assert.equal(c.evidence.ok, true);
  assert.ok(c.evidence.items >= 2, 'the alert and the finding were frozen');
  assert.equal(c.deadlines.finalDays, 60, 'skimming is malicious: 60 days');
  const list = await cli(['list', '--json']);
  assert.equal((JSON.parse(list.out.join('\n')) as Array<{ id: number }>)[0]!.id, id);
});

test('containment: the store closes for shoppers (notice page and console stay), a network is blocked, the customer reset runs in batches; all undone or recorded', { timeout: 60_000 }, async () => {
  const { client: owner } = await staffClient(store, 'owner');
  const declared = await owner.postForm('/admin/security/incidents', { title: 'アカウント乗っ取りの疑い', kind: 'account_takeover', severity: 'high', known_at: '' });
  assert.equal(declared.status, 303);
  const path = declared.location!;
  const bad = await owner.postForm('/admin/security/incidents', { title: '', kind: 'x', known_at: 'yesterday' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /件名を入力してください/);

  assert.equal((await owner.postForm(`${path}/contain/close_store`, {})).status, 303);
  const shopper = await fetch(`${store.url}/`);
  assert.equal(shopper.status, 503);
  assert.match(await shopper.text(), /一時的に休止/);
  assert.equal((await fetch(`${store.url}/api/store/products`)).status, 503);
  assert.equal((await fetch(`${store.url}/notice`)).status, 200);
  assert.equal((await owner.get('/admin')).status, 200, 'the console keeps working');
  assert.equal((await owner.postForm(`${path}/contain/reopen_store`, {})).status, 303);
  assert.equal((await fetch(`${store.url}/`)).status, 200);

  assert.equal((await owner.postForm(`${path}/contain/block_network`, { network: 'not an ip' })).status, 422);
  assert.equal((await owner.postForm(`${path}/contain/block_network`, { network: '198.51.100.23' })).status, 303);
  const ban = await store.ctx.db.selectFrom('security_ban').select(['scope', 'value']).where('value', '=', '198.51.100.0/24').executeTakeFirst();
  assert.ok(ban, 'the bans service holds the network');
  assert.equal((await owner.postForm(`${path}/contain/unblock_network`, { network: '198.51.100.23' })).status, 303);

  for (let i = 0; i < 3; i++) await insertCustomerRecord(store.ctx, { email: `reset${i}@example.jp`, name: `客 ${i}`, name_kana: 'キャク', phone: '', password_hash: 'not-a-hash:test-only' });
  assert.equal((await owner.postForm(`${path}/contain/reset_customer_passwords`, {})).status, 303);
  await store.drainJobs();
  const flagged = await store.ctx.db.selectFrom('customer').select('password_reset_required').execute();
  assert.ok(flagged.every((c) => c.password_reset_required));
  const page = await owner.get(path);
  assert.match(page.text, /data-action="reset_customer_passwords_done"/);
  assert.match(page.text, /お客様のパスワード再設定の依頼が完了/);
  assert.match(page.text, /data-action="close_store"/);
  assert.match(page.text, /data-event="containment_released" data-action="reopen_store"/);
  assert.match(page.text, /↩ ストアを再開する/);

  // Step-up is required for containment.
  const { client: noStepUp } = await staffClient(store, 'owner', { stepUp: false });
  assert.match((await noStepUp.postForm(`${path}/contain/stop_card_payments`, {})).location ?? '', /^\/admin\/step-up/);
});

test('the incident role reads the case and writes notes, nothing else, until its access ends; the CLI declares', async () => {
  const made = await cli(['declare', '--kind', 'data_leak', '--title', '外部調査', '--known-at', '2026-12-01 09:00', '--json']);
  assert.equal(made.code, 0, made.out.join('\n'));
  const { id } = JSON.parse(made.out[0]!) as { id: number };
  assert.equal((await cli(['declare', '--kind', 'nope', '--title', 'x'])).code, 2);
  const { client: investigator, staffId } = await staffClient(store, 'incident');
  const path = `/admin/security/incidents/${id}`;
  assert.equal((await investigator.get(path)).status, 200);
  assert.equal((await investigator.postForm(`${path}/notes`, { body: 'ログを確認中' })).status, 303);
  assert.match((await investigator.get(path)).text, /ログを確認中/);
  assert.equal((await investigator.postForm(`${path}/contain/stop_card_payments`, {})).status, 403);
  assert.equal((await investigator.get('/admin/customers')).status, 403);
  await store.ctx.db.updateTable('staff').set({ access_until: new Date(Date.now() - 1000) }).where('id', '=', staffId).execute();
  assert.notEqual((await investigator.get(path)).status, 200, 'access ended');
  const exported = await cli(['export', String(id), '--out', `/tmp/omamori-incident-${id}-${process.pid}.json`, '--json']);
  assert.equal(exported.code, 0, exported.out.join('\n'));
  const { rmSync } = await import('node:fs');
  rmSync((JSON.parse(exported.out[0]!) as { file: string }).file);
});

test('a switch thrown on one instance holds on another instance of the same database', { timeout: 90_000 }, async () => {
  const second = await startTestStore({ sameDatabaseAs: store });
  try {
    const { client: owner } = await staffClient(store, 'owner');
    const declared = await owner.postForm('/admin/security/incidents', { title: '二台目の確認', kind: 'other', severity: 'low' });
    const path = declared.location!;
    assert.equal((await owner.postForm(`${path}/contain/close_store`, {})).status, 303);
    const t0 = Date.now();
    while ((await fetch(`${second.url}/`)).status !== 503) {
      assert.ok(Date.now() - t0 < 60_000, 'the second instance closed the store');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`second instance followed in ${Date.now() - t0} ms`);
    assert.equal((await owner.postForm(`${path}/contain/reopen_store`, {})).status, 303);
    while ((await fetch(`${second.url}/`)).status !== 200) {
      assert.ok(Date.now() - t0 < 60_000, 'the second instance reopened');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await second.close();
  }
});
