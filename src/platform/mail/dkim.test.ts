import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { SmtpPeer, verifyDkim, type TxtResolver } from '../../../test/smtp-peer.ts';
import { insertCustomerRecord } from '../../identity/customers/customer-data.ts';
import { activateDkimKey, createDkimKey, listDkimKeys, mailDnsRecords } from './dkim.ts';
import { queueMail } from './mailer.ts';

// The SMTP peer checks every mail's DKIM signature with mailauth against the TXT records of this store's own keys
// (a resolver stub: no DNS is asked).
let smtp: SmtpPeer;
let store: TestStore;
const resolver: TxtResolver = async (name, type) => {
  const keys = await listDkimKeys(store.ctx.db);
  const key = keys.find((k) => `${k.selector}._domainkey.${k.domain}` === name.replace(/\.$/, ''));
  if (type !== 'TXT' || !key) throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  return [[`v=DKIM1; k=rsa; p=${key.publicKey}`]];
};

before(async () => {
  smtp = await SmtpPeer.start({ dkimResolver: resolver });
  store = await startTestStore({ config: { smtpUrl: smtp.url, mailFrom: 'コーヒー豆の店 <shop@example.jp>' } });
});
after(async () => {
  await store?.close();
  await smtp?.stop();
});

test('every mail leaves DKIM-signed with the active key; the peer verifies it, and a tampered body fails', async () => {
  const [key] = await listDkimKeys(store.ctx.db);
  assert.equal(key?.state, 'active', 'the first key is made at start');
  assert.equal(key?.domain, 'example.jp');
  const stored = await store.ctx.db.selectFrom('mail_dkim_key').select('private_key').executeTakeFirstOrThrow();
  assert.match(stored.private_key, /^v1\./, 'the private key is a vault ciphertext');
  assert.doesNotMatch(stored.private_key, /PRIVATE KEY/);

  await store.ctx.db.transaction().execute((trx) => queueMail(trx, { kind: 'order.confirmation', to: 'hanako@example.jp', subject: 'ご注文ありがとうございます', text: '注文番号 20261207-1001\nお支払い: 銀行振込' }));
  await store.drainJobs();
  const mail = smtp.received.at(-1)!;
  assert.equal(mail.dkim, 'pass');
  assert.match(mail.raw, new RegExp(`^DKIM-Signature: .*d=example\\.jp;`, 'm'));
  assert.match(mail.raw, new RegExp(`s=${key!.selector}`));

  // A relay that adds a line to the body (e.g. "pay here instead") breaks the signature.
  const split = mail.raw.indexOf('\r\n\r\n');
  const tampered = `${mail.raw.slice(0, split)}\r\n\r\nPlease pay again at https://example-jp.pay.invalid/\r\n${mail.raw.slice(split + 4)}`;
  assert.equal(await verifyDkim(tampered, resolver), 'fail');
  // And a mail signed by a key the domain never published fails too.
  assert.equal(await verifyDkim(mail.raw, async () => [[`v=DKIM1; k=rsa; p=${(await createDkimKey(store.ctx.db, 'example.jp', 'next')).publicKey}`]]), 'fail');
});

test('rotation: a new selector starts as "next", `mail dns` lists both, activation switches the signing key', async () => {
  const next = await createDkimKey(store.ctx.db, 'example.jp', 'next');
  const records = mailDnsRecords('shop@example.jp', await listDkimKeys(store.ctx.db), { dmarcReports: 'mailto:dmarc@example.jp' });
  const dkim = records.filter((r) => r.purpose === 'dkim');
  assert.ok(dkim.some((r) => r.name === `${next.selector}._domainkey.example.jp.` && r.value === `v=DKIM1; k=rsa; p=${next.publicKey}`));
  assert.ok(dkim.length >= 2, 'the active and the next key');
  assert.deepEqual(
    records.filter((r) => r.purpose === 'dmarc').map((r) => r.value),
    ['v=DMARC1; p=quarantine; rua=mailto:dmarc@example.jp; adkim=s; aspf=s; pct=100', 'v=DMARC1; p=reject; rua=mailto:dmarc@example.jp; adkim=s; aspf=s; pct=100'],
  );
  assert.equal(records.find((r) => r.purpose === 'spf')?.name, 'example.jp.');
  assert.equal(await activateDkimKey(store.ctx.db, next.selector), true);
  const states = await listDkimKeys(store.ctx.db, { all: true });
  assert.equal(states.filter((k) => k.state === 'active').length, 1);
  assert.equal(states.find((k) => k.state === 'active')?.selector, next.selector);
  assert.equal(await activateDkimKey(store.ctx.db, 'no-such-selector'), false);
});

test("every mail's footer says what the shop never asks for; a customer's mail also says it is listed in the account", async () => {
  await insertCustomerRecord(store.ctx, { email: 'member@example.jp', name: '会員 太郎', password_hash: 'not-a-hash:test-only' });
  await store.ctx.db.transaction().execute(async (trx) => {
    await queueMail(trx, { kind: 'test', to: 'member@example.jp', subject: 'member', text: 'body' });
    await queueMail(trx, { kind: 'test', to: 'guest@example.jp', subject: 'guest', text: 'body' });
  });
  await store.drainJobs();
  const { mailsTo } = await import('../../../test/outbox.ts');
  const member = (await mailsTo(store, 'member@example.jp'))[0]!.text_body;
  const guest = (await mailsTo(store, 'guest@example.jp'))[0]!.text_body;
  assert.match(member, /マイページの「メール履歴」に表示されています。表示されていない場合、当店から送ったメールではありません。/);
  assert.match(member, /カード番号やパスワードをお尋ねすることや、当店のサイト\(localhost:\d+\)以外でのお支払いをお願いすることはありません/);
  assert.doesNotMatch(guest, /メール履歴/);
  assert.match(guest, /We never ask for a card number or a password by mail/);
});
