import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../../test/client.ts';
import { startTestStore, type TestStore } from '../../../test/harness.ts';
import { customerClient, staffClient } from '../../../test/sessions.ts';

let store: TestStore;
before(async () => {
  store = await startTestStore({ seed: true });
});
after(() => store.close());

const sri = `sha384-${'A'.repeat(64)}`;
const scriptSrc = async (path: string, c = new TestClient(store.url)) => /script-src ([^;]*)/.exec((await c.get(path)).headers.get('content-security-policy') ?? '')?.[1] ?? '';
const audit = (action: string) => store.ctx.db.selectFrom('audit_entry').select(['action', 'actor_id']).where('action', '=', action).execute();

test('the inventory lists first-party and third-party scripts; adding and approving need an owner with step-up and are audited', async () => {
  const { client: owner } = await staffClient(store, 'owner');
  const page = await owner.get('/admin/security/scripts');
  assert.equal(page.status, 200);
  // The store's own scripts (issue 16: the postal-code lookup) are listed with their SRI hash.
  assert.match(page.text, /js\/postal-code\.js[\s\S]*?sha384-[A-Za-z0-9+/=]{64}/);

  const { client: admin } = await staffClient(store, 'administrator');
  assert.equal((await admin.get('/admin/security/scripts')).status, 200, 'security.read may look');
  assert.doesNotMatch((await admin.get('/admin/security/scripts')).text, /action="\/admin\/security\/scripts"/, 'and sees no add form');
  const form = { url: 'https://cdn.example.jp/widget.js', sha384: sri, pages: ['catalog'], owner: 'マーケティング部 佐藤', justification: 'レビュー表示ウィジェット(契約書 2026-11)' };
  assert.equal((await admin.postForm('/admin/security/scripts', form)).status, 403);
  const { client: noStepUp } = await staffClient(store, 'owner', { stepUp: false });
  const refused = await noStepUp.postForm('/admin/security/scripts', form);
  assert.equal(refused.status, 303);
  assert.match(refused.location ?? '', /step-up/);

  // Bad input: a clear message per field, nothing stored.
  const bad = await owner.postForm('/admin/security/scripts', { ...form, url: 'http://cdn.example.jp/w.js', sha384: 'sha256-abc', pages: [] });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /https:\/\/ で始まる外部の URL/);
  assert.match(bad.text, /sha384- で始まる SRI ハッシュ/);
  assert.match(bad.text, /少なくとも 1 つ選んでください/);
  const own = await owner.postForm('/admin/security/scripts', { ...form, url: `${store.url.replace('http:', 'https:')}/x.js` });
  assert.equal(own.status, 422, 'our own origin is first-party, not an inventory entry');
  assert.equal((await store.ctx.db.selectFrom('script_inventory').select('id').execute()).length, 0);

  assert.equal((await owner.postForm('/admin/security/scripts', form)).status, 303);
  assert.equal((await owner.postForm('/admin/security/scripts', form)).status, 409, 'listed once');
  const row = await store.ctx.db.selectFrom('script_inventory').selectAll().executeTakeFirstOrThrow();
  assert.equal(row.approved_at, null);
  assert.equal((await audit('script.add')).length, 1);
  // T6: not approved, so in no page's CSP.
  assert.doesNotMatch(await scriptSrc('/products'), /cdn\.example\.jp/);

  assert.equal((await noStepUp.postForm(`/admin/security/scripts/${row.id}/approve`, {})).status, 303);
  assert.equal((await store.ctx.db.selectFrom('script_inventory').select('approved_at').executeTakeFirstOrThrow()).approved_at, null, 'step-up first');
  // Four-eyes: the owner who added it cannot approve it, however fresh the step-up.
  const byAuthor = await owner.postForm(`/admin/security/scripts/${row.id}/approve`, {});
  assert.equal(byAuthor.status, 409);
  assert.match(byAuthor.text, /data-refused="own-script"/);
  assert.match(byAuthor.text, /ご自身で登録したスクリプトは承認できません。別のオーナーが承認してください/);
  assert.equal((await store.ctx.db.selectFrom('script_inventory').select('approved_at').executeTakeFirstOrThrow()).approved_at, null, 'not approved by its author');
  assert.equal((await audit('script.approve')).length, 0);
  const { client: second } = await staffClient(store, 'owner');
  assert.equal((await second.postForm(`/admin/security/scripts/${row.id}/approve`, {})).status, 303);
  assert.equal((await audit('script.approve')).length, 1);
  assert.equal((await second.postForm(`/admin/security/scripts/${row.id}/approve`, {})).status, 404, 'approved once');
  const listed = await owner.get('/admin/security/scripts');
  assert.match(listed.text, /data-script-state="approved"/);
  assert.match(listed.text, /レビュー表示ウィジェット/);
});

test('an approved script is allowed only on its pages: never on cart, checkout, payment return, account or the console', async () => {
  const slug = (await store.ctx.db.selectFrom('product').select('slug').executeTakeFirstOrThrow()).slug;
  for (const path of ['/', '/products', `/p/${slug}`]) assert.match(await scriptSrc(path), /'self' 'nonce-[^']+' https:\/\/cdn\.example\.jp$/, path);
  const { client: shopper } = await customerClient(store);
  const { client: owner } = await staffClient(store, 'owner');
  for (const path of ['/cart', '/checkout', '/checkout/review', '/checkout/card/return?order=x', '/orders/X-1', '/account', '/legal/privacy']) {
    assert.doesNotMatch(await scriptSrc(path, shopper), /cdn\.example\.jp/, path);
  }
  // T6: credential pages load no third-party script, even for a script approved for the account group.
  await store.ctx.db.updateTable('script_inventory').set({ pages: 'catalog,account' }).execute();
  await store.services.scripts.reload();
  assert.match(await scriptSrc('/account', shopper), /cdn\.example\.jp/, 'approved for account pages');
  assert.match(await scriptSrc('/account/addresses', shopper), /cdn\.example\.jp/);
  const credentialPages = ['/account/sign-in', '/account/sign-in/2fa', '/account/register', '/account/password/forgot', '/account/password/reset?token=x', '/account/password', '/account/email', '/account/2fa', '/account/2fa/setup'];
  for (const path of credentialPages) assert.doesNotMatch(await scriptSrc(path, path.includes('sign-in') || path.includes('register') || path.includes('forgot') || path.includes('reset') ? new TestClient(store.url) : shopper), /cdn\.example\.jp/, path);
  for (const path of credentialPages) assert.deepEqual(store.services.scripts.forPage(path), [], path);
  await store.ctx.db.updateTable('script_inventory').set({ pages: 'catalog' }).execute();
  await store.services.scripts.reload();
  assert.doesNotMatch(await scriptSrc('/admin', owner), /cdn\.example\.jp/);
  // The tag itself, pinned by its SRI hash, is on the approved pages and nowhere else.
  const tag = new RegExp(`<script src="https://cdn\\.example\\.jp/[^"]+" integrity="${sri}" crossorigin="anonymous" defer></script>`);
  assert.match((await new TestClient(store.url).get(`/p/${slug}`)).text, tag);
  assert.doesNotMatch((await shopper.get('/cart')).text, /cdn\.example\.jp/);

  const row = await store.ctx.db.selectFrom('script_inventory').select('id').executeTakeFirstOrThrow();
  assert.equal((await owner.postForm(`/admin/security/scripts/${row.id}/remove`, {})).status, 303);
  assert.equal((await audit('script.remove')).length, 1);
  assert.doesNotMatch(await scriptSrc('/products'), /cdn\.example\.jp/, 'removed: gone from the CSP at once');
});
