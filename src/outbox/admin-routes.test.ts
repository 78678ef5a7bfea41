import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { guardAdminContext } from '../admin/context.ts';
import { consoleFrame } from '../app/console-frame.ts';
import { adminErrorPage } from '../admin/layout.ts';
import { sessionCookieBase } from '../identity/sessions/sessions.ts';
import { createHttpServer } from '../platform/http/server.ts';
import { queueMail } from '../platform/mail/mailer.ts';
import { mailboxAdminRoutes } from './admin-routes.ts';

let store: TestStore;
let app: FastifyInstance;
let base: string;

/**
 * The mailbox routes mounted on their own admin context with the store's services, exactly as
 * app.ts mounts admin modules, so the test does not depend on app.ts registering them yet.
 */
before(async () => {
  store = await startTestStore();
  app = createHttpServer({ logger: store.ctx.log, publicUrl: store.url, trustProxy: false, renderErrorPage: (req, status, message) => adminErrorPage(req, status, message) });
  await app.register(
    async (admin) => {
      guardAdminContext(admin, store.services, consoleFrame(store.services));
      mailboxAdminRoutes(admin, store.services);
    },
    { prefix: '/admin' },
  );
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  base = address.replace('127.0.0.1', 'localhost');
});
after(async () => {
  await app.close();
  await store.close();
});

const clientFor = async (role: Parameters<typeof staffClient>[1]) => {
  const { client } = await staffClient(store, role);
  const c = new TestClient(base);
  const name = store.services.cookies.name(sessionCookieBase.admin);
  c.setCookie(name, client.cookie(name)!);
  return c;
};

test('staff who may see personal data read the outbox newest first, as plain text only', async () => {
  await store.ctx.db.transaction().execute(async (trx) => {
    await queueMail(trx, { kind: 'test.first', to: 'first@example.jp', subject: '最初のメール', text: '一通目' });
    await queueMail(trx, { kind: 'order.confirmation', to: 'second@example.jp', subject: '<b>二通目</b>', text: 'こんにちは\n<script>alert(1)</script>', html: '<p onclick="x()">hi</p>' });
  });
  const support = await clientFor('administrator');
  const list = await support.get('/admin/mail');
  assert.equal(list.status, 200);
  assert.ok(list.text.indexOf('s***@example.jp') < list.text.indexOf('f***@example.jp'), 'newest first');
  assert.ok(!list.text.includes('second@example.jp'), 'recipients masked for every role');
  assert.ok(list.text.includes('&lt;b&gt;二通目&lt;/b&gt;') && !list.text.includes('<b>二通目'));
  assert.match(list.text, /aria-current="page">送信メール/);
  const id = /href="\/admin\/mail\/(\d+)">&lt;b&gt;/.exec(list.text)![1];
  const masked = await support.get(`/admin/mail/${id}`);
  assert.equal(masked.status, 200);
  assert.ok(!masked.text.includes('second@example.jp') && !masked.text.includes('class="mail-body"'), 'masked until revealed');
  const one = await support.postForm(`/admin/mail/${id}/reveal`, {});
  assert.equal(one.status, 200);
  assert.match(one.text, /<pre class="mail-body">こんにちは\n&lt;script&gt;alert\(1\)&lt;\/script&gt;\n[^<]*<\/pre>/); // the body, then the footer every mail carries (issue 17)
  assert.ok(!one.text.includes('onclick'), 'the HTML alternative is never rendered');
  assert.equal((await support.get('/admin/mail/99999999')).status, 404);
  assert.equal((await support.get('/admin/mail/abc')).status, 404);
});

test('customer support sees recipients masked and cannot open mail bodies (T4)', async () => {
  const support = await clientFor('customer_support');
  const list = await support.get('/admin/mail');
  assert.equal(list.status, 200);
  assert.ok(!list.text.includes('second@example.jp'), 'recipient masked');
  assert.match(list.text, /s\*+@example\.jp/);
  const id = /href="\/admin\/mail\/(\d+)"/.exec(list.text)![1];
  assert.equal((await support.get(`/admin/mail/${id}`)).status, 403);
  assert.equal((await support.postForm(`/admin/mail/${id}/reveal`, {})).status, 403);
});

test('roles without mail.read are refused; anonymous visitors are sent to sign in', async () => {
  for (const role of ['order_operator', 'content_editor'] as const) {
    const c = await clientFor(role);
    assert.equal((await c.get('/admin/mail')).status, 403, role);
  }
  const anonymous = await new TestClient(base).get('/admin/mail');
  assert.equal(anonymous.status, 303);
  assert.match(anonymous.location ?? '', /^\/admin\/sign-in/);
});
