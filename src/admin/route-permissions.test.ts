import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { can, roleLanding, rolePermissions, type Permission } from '../platform/permissions.ts';
import { errorMessage } from '../platform/http/errors.ts';
import { createSession, sessionCookieBase } from '../identity/sessions/sessions.ts';
import { staffRoles } from '../identity/staff/staff-accounts.ts';
import { adminRoutesOf, type AdminRoute } from './context.ts';

let store: TestStore;
let routes: AdminRoute[];
before(async () => {
  store = await startTestStore();
  // Every admin route from the Fastify route table (collected by the admin context's onRoute hook); HEAD mirrors GET.
  routes = adminRoutesOf(store.services).filter((r) => r.method !== 'HEAD');
});
after(() => store.close());

/** A concrete path: every parameter is an id that does not exist, so no request changes anything. */
const pathOf = (r: AdminRoute) => r.url.replace(/:\w+(\([^)]*\))?/g, '999999');
const call = (client: TestClient, r: AdminRoute) => (r.method === 'GET' ? client.get(pathOf(r)) : client.request(r.method, pathOf(r), { body: new URLSearchParams(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
/**
 * Routes whose handler narrows the declared permission further (both are needed). Each entry must
 * name the second permission, so the expectation below stays exact.
 */
const alsoNeeds: Record<string, Permission> = {};
const unauthenticatedText = errorMessage('unauthenticated', 'ja');
// Issue 17: the passkey sign-in ceremony (options, then the signed answer) is public like the password form.
const publicRoutes = ['GET /admin/sign-in', 'POST /admin/sign-in', 'POST /admin/sign-out', 'GET /admin/setup', 'POST /admin/setup', 'POST /admin/passkeys/sign-in/options', 'POST /admin/passkeys/sign-in/verify'];

test('the route table is complete and every route has exactly one explicit rule', () => {
  assert.ok(routes.length > 30, `found ${routes.length} admin routes`);
  for (const r of routes) {
    const rules = [r.permission, r.public, r.staff].filter(Boolean);
    assert.equal(rules.length, 1, `${r.method} ${r.url} has one access rule`);
  }
  assert.deepEqual(routes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`).sort(), [...publicRoutes].sort(), 'only sign-in (password or passkey), sign-out and setup are public');
  for (const [method, url] of [['POST', '/admin/settings'], ['POST', '/admin/staff'], ['POST', '/admin/staff/:id/role'], ['POST', '/admin/staff/:id/reset-2fa'], ['POST', '/admin/security/emergency/:action'], ['POST', '/admin/exports'], ['POST', '/admin/exports/requests/:id/approve'], ['POST', '/admin/exports/requests/:id/download'], ['GET', '/admin/passkeys/new'], ['POST', '/admin/passkeys/register/options'], ['POST', '/admin/passkeys/register/verify'], ['POST', '/admin/passkeys/:id/remove'], ['POST', '/admin/passkeys/policy']] as const) {
    assert.equal(routes.find((r) => r.method === method && r.url === url)?.stepUp, true, `${method} ${url} needs step-up`);
  }
  assert.deepEqual(staffRoles.filter((role) => can(role, 'security.emergency')), ['owner'], 'emergency actions are owner-only');
  // Issue 5 (T4): bulk export by owners and administrators; approving an over-cap export, owners only; reveals never for support.
  assert.deepEqual(staffRoles.filter((role) => can(role, 'exports.create')), ['owner', 'administrator']);
  assert.deepEqual(staffRoles.filter((role) => can(role, 'exports.approve')), ['owner']);
  assert.equal(can('customer_support', 'customers.read_unmasked'), false);
});

test('every role gets exactly what rolePermissions allows on every admin route: 403 for the rest', async () => {
  const problems: string[] = [];
  for (const role of staffRoles) {
    const { client } = await staffClient(store, role);
    for (const r of routes.filter((x) => !x.public)) {
      const res = await call(client, r);
      const extra = alsoNeeds[`${r.method} ${r.url}`];
      const allowed = r.staff !== undefined || (rolePermissions[role].has(r.permission!) && (!extra || rolePermissions[role].has(extra)));
      const where = `${role}: ${r.method} ${r.url} → ${res.status} ${res.location ?? ''}`;
      const guardRefused = res.status === 403 || (res.status === 401 && res.text.includes(unauthenticatedText)) || /\/admin\/(sign-in|2fa|step-up)/.test(res.location ?? '');
      if (allowed && guardRefused) problems.push(`refused: ${where}`);
      // Issue 13: a role without the overview is sent to its own landing page from /admin (nothing is shown).
      const landed = r.method === 'GET' && r.url === '/admin' && res.status === 303 && res.location === roleLanding[role];
      if (!allowed && res.status !== 403 && !landed) problems.push(`not refused: ${where}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('without a session, and with a partial (password-only) session, no admin page is reachable', async () => {
  const anonymous = new TestClient(store.url);
  const { staffId } = await staffClient(store, 'owner');
  const partial = new TestClient(store.url);
  partial.setCookie(store.services.cookies.name(sessionCookieBase.admin), await createSession(store.ctx.db, 'admin', { staffId }, {}, { secondFactorAt: null }));
  const problems: string[] = [];
  for (const r of routes.filter((x) => !x.public)) {
    const anon = await call(anonymous, r);
    if (r.method === 'GET' ? !anon.location?.startsWith('/admin/sign-in?next=') : anon.status !== 401) problems.push(`anonymous: ${r.method} ${r.url} → ${anon.status}`);
    if (r.staff === 'partial') continue;
    const res = await call(partial, r);
    if (r.method === 'GET' ? !res.location?.startsWith('/admin/2fa?next=') : res.status !== 401) problems.push(`partial: ${r.method} ${r.url} → ${res.status} ${res.location ?? ''}`);
  }
  assert.deepEqual(problems, []);
});
