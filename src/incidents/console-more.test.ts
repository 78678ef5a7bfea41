import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { orderIndexes, sealOrder } from '../orders/encrypted-fields.ts';
import { runIncidentCli } from './cli.ts';
import { sendDueReminders } from './reminders.ts';

let store: TestStore;
const day = 86_400_000;
before(async () => {
  store = await startTestStore({ seed: true });
});
after(async () => {
  await store?.close();
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runIncidentCli(args, store.ctx, async () => 'omamori coffee', { log: (s: string) => out.push(s), error: (s: string) => out.push(`ERR ${s}`) });
  return { code, out: out.join('\n') };
}

async function order(prefecture: string, variantId: number | null, placed: Date): Promise<void> {
  const { db, vault } = store.ctx;
  const id = await vault.nextRowId(db, 'orders');
  const plain = { email: `p${id}@example.jp`, ship_name: '田中 花子', ship_name_kana: 'タナカ ハナコ', ship_postal_code: '060-0001', ship_city: '市', ship_line1: '1-1', ship_line2: '', ship_phone: '0110000000', note: '' };
  await db.insertInto('orders').values({
    id, number: `P-${randomBytes(4).toString('hex')}`, status: 'paid', customer_id: null, access_token_hash: randomBytes(32).toString('hex'), idempotency_key: randomBytes(16).toString('hex'), locale: 'ja', ship_prefecture: prefecture,
    shipping_method: 'standard', shipping_fee: 800, payment_method: 'card', payment_fee: 0, items_total: 3_300, total: 4_100, taxable_10: 2_980, tax_10: 270, taxable_8: 1_120, tax_8: 82, invoice_number: null,
    placed_at: placed, updated_at: placed, ...(await sealOrder(vault, id, plain)), ...orderIndexes(vault, plain),
  }).execute();
  if (variantId !== null) await db.insertInto('order_line').values({ order_id: id, variant_id: variantId, sku: 'X', product_name: 'x', variant_name: 'x', tax_rate: 8, unit_price: 3_300, quantity: 1, line_total: 3_300 }).execute();
}

test('scope by prefecture and product; PPC report fields edited and marked submitted (its reminders stop); police and card-company contacts as timeline steps', { timeout: 300_000 }, async () => {
  const { db } = store.ctx;
  const variants = await db.selectFrom('variant').innerJoin('product', 'product.id', 'variant.product_id').select(['variant.id', 'product.slug']).orderBy('variant.id').execute();
  const a = variants[0]!;
  const b = variants.find((x) => x.slug !== a.slug)!;
  assert.notEqual(a!.slug, b!.slug);
  const now = Date.now();
  await order('北海道', a!.id, new Date(now - day));
  await order('北海道', b!.id, new Date(now - day));
  await order('沖縄県', a!.id, new Date(now - day));
  await order('沖縄県', null, new Date(now - day));
  const { client: owner } = await staffClient(store, 'owner');
  const declared = await owner.postForm('/admin/security/incidents', { title: '商品ページの改ざん', kind: 'card_skimming', severity: 'high', known_at: new Date(now - 3.5 * day).toISOString() });
  const path = declared.location!;
  const id = Number(/(\d+)$/.exec(path)![1]);
  const from = new Date(now - 5 * day).toISOString().slice(0, 10);
  const to = new Date(now + day).toISOString().slice(0, 10);

  const bad = await owner.postForm(`${path}/scope`, { from, to, prefectures: '北海道、ほげ県' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /都道府県名を「東京都」「大阪府」のように入力してください/);
  assert.equal((await owner.postForm(`${path}/scope`, { from, to, card_only: '1', prefectures: '北海道' })).status, 303);
  assert.match((await owner.get(path)).text, /data-scope-total="2"/);
  assert.equal((await owner.postForm(`${path}/scope`, { from, to, card_only: '1', products: a!.slug })).status, 303);
  assert.match((await owner.get(path)).text, /data-scope-total="2"/);
  const both = await cli(['scope', String(id), '--from', from, '--to', to, '--card-only', '--prefectures', '沖縄県', '--products', a!.slug, '--json']);
  assert.equal(both.code, 0, both.out);
  assert.equal((JSON.parse(both.out) as { total: number }).total, 1);

  // The PPC report: every field pre-filled and editable; an emptied field goes back to the generated text.
  const edit = await owner.get(`${path}/report/preliminary/edit`);
  assert.equal(edit.status, 200);
  assert.match(edit.text, /<textarea id="number_of_people"[^>]*>1名（うちカード決済 1名）<\/textarea>/);
  assert.match(edit.text, /<textarea id="prevention_measures"/);
  assert.equal((await owner.postForm(`${path}/report/preliminary`, { cause: '外部の広告タグ経由で決済画面に不正なスクリプトが読み込まれた', number_of_people: '' })).status, 303);
  const report = JSON.parse((await cli(['report', String(id), '--ppc', 'preliminary', '--json'])).out) as { fields: Record<string, string>; edited: string[]; submitted_at: string | null };
  assert.equal(report.fields.cause, '外部の広告タグ経由で決済画面に不正なスクリプトが読み込まれた');
  assert.deepEqual(report.edited, ['cause']);
  assert.match(report.fields.number_of_people!, /1名/);

  // Contacts: the police and a card company; "contacted" is a timestamped step that the report quotes.
  const noOrg = await owner.postForm(`${path}/contacts`, { kind: 'police', organisation: '' });
  assert.equal(noOrg.status, 422);
  assert.match(noOrg.text, /連絡先の名前を入力してください/);
  assert.equal((await owner.postForm(`${path}/contacts`, { kind: 'police', organisation: '警視庁 サイバー犯罪対策課', phone: '03-0000-0000', reference: 'R-123' })).status, 303);
  assert.equal((await owner.postForm(`${path}/contacts`, { kind: 'card_company', organisation: 'カード会社A', person: '山本' })).status, 303);
  const contacts = JSON.parse((await cli(['show', String(id), '--json'])).out) as { contacts: Array<{ id: number; kind: string; contactedAt: string | null }> };
  assert.deepEqual(contacts.contacts.map((c) => c.kind), ['police', 'card_company']);
  assert.equal((await owner.postForm(`${path}/contacts/${contacts.contacts[0]!.id}/contacted`, {})).status, 303);
  assert.equal((await owner.postForm(`${path}/contacts/${contacts.contacts[0]!.id}/contacted`, {})).status, 404, 'once');
  const other = (JSON.parse((await cli(['report', String(id), '--ppc', 'final', '--json'])).out) as { fields: Record<string, string> }).fields.other!;
  assert.match(other, /警察（警視庁 サイバー犯罪対策課、受付番号 R-123）: .* 連絡済み/);
  assert.match(other, /カード会社（カード会社A）: 未連絡/);

  // Marked submitted: the 速報 reminders stop (known 3.5 days ago: one would be due now).
  assert.equal((await owner.postForm(`${path}/report/preliminary/submitted`, { submitted: '1' })).status, 303);
  assert.match((await owner.get(`${path}/report/preliminary/edit`)).text, /data-submitted="1"/);
  await sendDueReminders(store.ctx);
  const reminders = await db.selectFrom('incident_reminder' as never).selectAll().where('incident_id' as never, '=', id as never).execute();
  assert.equal(reminders.length, 0);
  const page = (await owner.get(path)).text;
  for (const k of ['scoped', 'report_saved', 'report_submitted', 'contact_added', 'contact_made']) assert.match(page, new RegExp(`data-event="${k}"`));
  assert.match(page, /連絡した（[^<]*警視庁 サイバー犯罪対策課）/, page.slice(page.indexOf("id=\"timeline\"")));
});

test('an outside investigator who opens /admin lands on the incidents, not on a refusal; others keep the overview', async () => {
  const { client: investigator } = await staffClient(store, 'incident');
  const landing = await investigator.get('/admin');
  assert.equal(landing.status, 303);
  assert.equal(landing.location, '/admin/security/incidents');
  assert.equal((await investigator.get('/admin/security/incidents')).status, 200);
  assert.equal((await investigator.get('/admin/orders')).status, 403, 'the rest stays closed');
  const { client: support } = await staffClient(store, 'customer_support');
  assert.equal((await support.get('/admin')).status, 200);
  assert.equal((await support.get('/admin/security/incidents')).status, 403);
});
