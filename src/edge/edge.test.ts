import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { edgeSecretMatches, readEdgeSecret } from './secret.ts';
import { edgeHeartbeat } from './service.ts';
import { ingestWafLog, wafEventOf } from './waf-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'omamori-edge-'));
const secretFile = join(dir, 'edge-secret');
const secret = 'a'.repeat(20) + Math.random().toString(36).slice(2) + 'b'.repeat(20);
writeFileSync(secretFile, `${secret}\n`);
const wafLog = join(dir, 'modsec_audit.json');
const sample = readFileSync(new URL('./fixtures/modsec-audit.jsonl', import.meta.url), 'utf8');

let store: TestStore;
before(async () => {
  store = await startTestStore({ config: { edgeRequired: true, edgeSecretFile: secretFile, wafAuditLog: wafLog, trustProxy: true } });
});
after(() => store.close());

const lightOf = (text: string, key: string) => new RegExp(`data-protection="${key}" data-light="([a-z]+)"`).exec(text)?.[1];

async function eventsOf(kind: string) {
  await store.services.securityEvents.flush();
  return store.ctx.database.db.selectFrom('security_event').selectAll().where('kind', '=', kind).orderBy('id').execute();
}

test('the edge secret: read from its file, compared in constant time; short secrets stop the start', () => {
  const digest = readEdgeSecret(secretFile);
  assert.equal(edgeSecretMatches(secret, digest), true);
  assert.equal(edgeSecretMatches(`${secret}x`, digest), false);
  assert.equal(edgeSecretMatches('', digest), false);
  assert.equal(edgeSecretMatches(undefined, digest), false);
  assert.equal(edgeSecretMatches([secret, secret], digest), false);
  const short = join(dir, 'short');
  writeFileSync(short, 'tooshort\n');
  assert.throws(() => readEdgeSecret(short), /at least 32 characters/);
});

test('EDGE_REQUIRED: a request without the proxy secret gets 403 and an edge.bypass event; with it, the page; health stays open', async () => {
  const direct = await fetch(`${store.url}/products`, { headers: { 'x-forwarded-for': '198.51.100.7' } });
  assert.equal(direct.status, 403);
  assert.match(await direct.text(), /直接アクセスできません/);
  const wrong = await fetch(`${store.url}/api/store/products`, { headers: { 'x-omamori-edge': 'guess' } });
  assert.equal(wrong.status, 403);
  assert.equal((await wrong.json()).error.code, 'edge_required');
  const events = await eventsOf('edge.bypass');
  assert.equal(events.length, 2, JSON.stringify(events.map((e) => [e.ip, e.detail])));
  // The socket's address is recorded, not the X-Forwarded-For the bypassing client wrote.
  assert.notEqual(events[0]!.ip, '198.51.100.7');
  assert.equal(events[0]!.outcome, 'refused');
  assert.deepEqual(events.map((e) => e.detail.secretPresented), [false, true]);

  const through = await fetch(`${store.url}/products`, { headers: { 'x-omamori-edge': secret, 'x-forwarded-for': '203.0.113.5' } });
  assert.equal(through.status, 200);
  assert.equal((await fetch(`${store.url}/healthz`)).status, 200);
  assert.equal((await eventsOf('edge.bypass')).length, 2);
  // The heartbeat was written by the request through the proxy.
  const beat = await edgeHeartbeat(store.ctx);
  assert.ok(beat.lastEdgeAt && Date.now() - beat.lastEdgeAt.getTime() < 60_000);
  assert.equal(beat.bypass24h, 2);
});

test('ModSecurity JSON audit log: a block becomes a waf.blocked event with rule ids, path without query; passes, the store\'s own refusals and junk are skipped', () => {
  const [blockedLine, passedLine, junk] = sample.trim().split('\n');
  const event = wafEventOf(blockedLine!);
  assert.ok(event);
  assert.equal(event.kind, 'waf.blocked');
  assert.equal(event.ip, '127.0.0.1');
  assert.equal(event.detail?.status, 403);
  assert.equal(event.detail?.path, '/');
  assert.ok((event.detail?.rules as string[]).includes('942100'));
  assert.ok((event.detail?.rules as string[]).includes('949110'));
  assert.equal(wafEventOf(passedLine!), null);
  // The store refused it (422) after a rule scored it below the blocking threshold: not a WAF block.
  const storeRefused = JSON.parse(blockedLine!);
  storeRefused.transaction.response.http_code = 422;
  storeRefused.transaction.messages = storeRefused.transaction.messages.filter((m: { details: { ruleId: string } }) => !['949110', '980130'].includes(m.details.ruleId));
  assert.equal(wafEventOf(JSON.stringify(storeRefused)), null);
  assert.equal(wafEventOf(junk!), null);
  assert.equal(wafEventOf('{"transaction":null}'), null);
});

test('the audit log is read once, from where it stopped; a partial last line waits; rotation starts over; a missing log is red', async () => {
  writeFileSync(wafLog, sample);
  assert.equal((await ingestWafLog(store.ctx, wafLog)).events, 1);
  assert.equal((await ingestWafLog(store.ctx, wafLog)).events, 0, 'nothing read twice');
  const [blockedLine] = sample.split('\n');
  appendFileSync(wafLog, blockedLine!.slice(0, 200));
  assert.equal((await ingestWafLog(store.ctx, wafLog)).events, 0, 'a line still being written waits');
  appendFileSync(wafLog, `${blockedLine!.slice(200)}\n`);
  assert.equal((await ingestWafLog(store.ctx, wafLog)).events, 1);
  // logrotate: the old file moves away and a new one starts.
  renameSync(wafLog, `${wafLog}.1`);
  copyFileSync(`${wafLog}.1`, join(dir, 'unused'));
  writeFileSync(wafLog, `${blockedLine}\n`);
  assert.equal((await ingestWafLog(store.ctx, wafLog)).events, 1);
  const blocked = await eventsOf('waf.blocked');
  assert.equal(blocked.length, 3);
  assert.equal(blocked[0]!.request_id, JSON.parse(blockedLine!).transaction.unique_id);

  // The overview: requests came through the proxy, but some went around it (amber), then the log is unreadable (red).
  const { client } = await staffClient(store, 'owner');
  const page = (await client.get('/admin/security', { 'x-omamori-edge': secret })).text;
  assert.equal(lightOf(page, 'waf'), 'amber', 'requests around the WAF in the last 24 h');
  assert.match(page, /WAF を通らずに直接届いたアクセスを 2 件拒否しました/);
  renameSync(wafLog, join(dir, 'gone'));
  await ingestWafLog(store.ctx, wafLog);
  const red = (await client.get('/admin/security', { 'x-omamori-edge': secret })).text;
  assert.equal(lightOf(red, 'waf'), 'red');
  assert.match(red, /WAF の記録ファイルを読めません（ENOENT）/);
  // Once bypass events are out of the 24 h window and the log reads again: green, with the blocks counted.
  await store.ctx.database.db.deleteFrom('security_event').where('kind', '=', 'edge.bypass').execute();
  renameSync(join(dir, 'gone'), wafLog);
  await ingestWafLog(store.ctx, wafLog);
  const green = (await client.get('/admin/security?lang=en', { 'x-omamori-edge': secret })).text;
  assert.equal(lightOf(green, 'waf'), 'green');
  assert.match(green, /Attacks it blocked in the last 24 hours: 3\./);
});
