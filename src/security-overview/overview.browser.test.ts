import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../../test/browser.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { raiseAlert } from '../alerts/raise.ts';
import { sessionCookieBase } from '../identity/sessions/sessions.ts';
import type { SecurityEvent } from '../platform/security/event-stream.ts';
import { insertSecurityEvents } from '../security-events/store.ts';

let store: TestStore;
let browser: Browser;
before(async () => {
  store = await startTestStore({ seed: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await store.close();
});

test('the overview renders in Chromium without any CSP violation: lights, an SVG chart with bars, bans and alerts (screenshot)', async () => {
  const now = Date.now();
  const events: SecurityEvent[] = [];
  // A week of background noise and one attack burst, as an operator would see it.
  for (let h = 0; h < 168; h += 1) {
    const n = h % 24 < 8 ? 0 : (h * 7) % 5;
    for (let i = 0; i < n; i++) events.push({ at: new Date(now - h * 3600_000), kind: 'auth.sign_in.failure', severity: 'low', outcome: 'failure', ip: `198.51.100.${(h % 40) + 1}`, network: '198.51.100.0/24', actorKind: null, actorId: null, subject: null, requestId: null, detail: {} });
  }
  for (let i = 0; i < 40; i++) events.push({ at: new Date(now - 5 * 3600_000), kind: 'request.attack', severity: 'high', outcome: 'detected', ip: '203.0.113.7', network: '203.0.113.0/24', actorKind: null, actorId: null, subject: null, requestId: null, detail: { class: 'sqli' } });
  await insertSecurityEvents(store.ctx.database.db, events);
  await store.services.bans.ban({ scope: 'ip', value: '203.0.113.7', reason: 'attack-shaped requests (sqli)', createdBy: 'detector' });
  await raiseAlert(store.ctx.db, { kind: 'detector.scan', severity: 'high', title: 'スキャン攻撃を検知し遮断しました / scanner banned' });

  const { token } = await staffClient(store, 'owner');
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  // The session cookie is __Host- (Secure), which a browser will not take over plain http: sent as a header instead.
  await context.setExtraHTTPHeaders({ cookie: `${store.services.cookies.name(sessionCookieBase.admin)}=${token}` });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') violations.push(m.text());
  });
  const res = await page.goto(`${store.url}/admin/security`);
  assert.equal(res?.status(), 200);
  assert.ok((await page.locator('svg.chart rect.bar').count()) > 50);
  const box = await page.locator('svg.chart').boundingBox();
  assert.ok(box && box.width > 600 && box.height > 100, 'the chart is drawn at a readable size');
  assert.equal(await page.locator('tr[data-protection]').count(), 11); // ten protections and the staff passkeys (issue 17)
  assert.ok(await page.locator('tr[data-ban]').isVisible());
  // The colours come from the stylesheet: a red light is red without any inline style.
  const red = await page.locator('tr[data-protection="card"] .light').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(red, 'rgb(198, 40, 40)');
  await screenshot(page, 'security-overview');
  assert.deepEqual(violations.filter((v) => /Content Security Policy|Refused/.test(v)), []);
  await context.close();
});
