import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../../test/client.ts';
import { crowdSecMissing, startCrowdSec, type TestCrowdSec } from '../../test/crowdsec.ts';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { durationMs } from './crowdsec.ts';

process.env.BAN_REDIS_PREFIX = `omamori:test:${randomBytes(6).toString('hex')}:`;

test('CrowdSec durations', () => {
  assert.equal(durationMs('3h59m58.5s'), 3 * 3600_000 + 59 * 60_000 + 58_500);
  assert.equal(durationMs('-1.2s'), 0);
  assert.equal(durationMs('720h'), 720 * 3600_000);
});

describe('CrowdSec (Debian crowdsec package, a private Local API on loopback)', { skip: crowdSecMissing ? 'crowdsec is not installed (apt-get install crowdsec; see .ci/run for the offline workaround)' : false }, () => {
  let lapi: TestCrowdSec;
  let store: TestStore;
  const saved: Record<string, string | undefined> = {};
  before(async () => {
    lapi = (await startCrowdSec())!;
    const env = { CROWDSEC_LAPI_URL: lapi.url, CROWDSEC_BOUNCER_KEY: lapi.bouncerKey, CROWDSEC_POLL_SECONDS: '1', CROWDSEC_MACHINE_ID: lapi.machine.id, CROWDSEC_MACHINE_PASSWORD: lapi.machine.password };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    store = await startTestStore({ config: { trustProxy: true } });
  });
  after(async () => {
    await store?.close();
    await lapi?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const from = (ip: string) => new TestClient(store.url, { 'x-forwarded-for': ip, 'user-agent': 'Mozilla/5.0 (test browser)', accept: 'text/html' });

  async function waitFor(what: string, fn: () => Promise<boolean>, ms = 20_000) {
    const start = Date.now();
    while (!(await fn())) {
      if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - start;
  }

  test('bouncer: a decision added with cscli is enforced by the store (403) within the poll interval; its deletion lifts it', async () => {
    assert.equal((await from('203.0.113.81').get('/')).status, 200);
    lapi.cscli('decisions', 'add', '--ip', '203.0.113.81', '--duration', '4h', '--reason', 'test ban');
    lapi.cscli('decisions', 'add', '--range', '198.51.100.0/24', '--duration', '1h');
    const ms = await waitFor('the CrowdSec decision', async () => (await from('203.0.113.81').get('/')).status === 403);
    console.log(`# crowdsec: cscli decision enforced after ${ms} ms (poll interval 1 s)`);
    const page = await from('203.0.113.81').get('/');
    assert.match(page.text, /CS\d+/, 'the reference names the CrowdSec decision');
    assert.equal((await from('198.51.100.23').get('/')).status, 403, 'a Range decision covers its addresses');
    assert.equal((await from('203.0.113.82').get('/')).status, 200, 'a neighbour is not banned');
    lapi.cscli('decisions', 'delete', '--ip', '203.0.113.81');
    await waitFor('the deletion', async () => (await from('203.0.113.81').get('/')).status === 200);
  });

  test('signals: a ban omamori decides appears in CrowdSec as an alert with its decision', async () => {
    const attacker = from('192.0.2.91');
    for (let i = 0; i < 5; i++) await attacker.postForm('/account/sign-in', { email: 'cs-victim@example.jp', password: `guess-${i}` });
    const bans = store.services.bans;
    await bans.detectors.settled();
    await bans.signalled();
    assert.equal((await attacker.get('/')).status, 403);
    const decisions = JSON.parse(lapi.cscli('decisions', 'list', '-a', '-o', 'json') || '[]') as Array<{ scenario: string; decisions: Array<{ scope: string; value: string; origin: string; type: string }> }>;
    const ours = decisions.flatMap((a) => a.decisions.map((d) => ({ ...d, scenario: a.scenario }))).find((d) => d.value === '192.0.2.91');
    assert.ok(ours, JSON.stringify(decisions));
    assert.deepEqual([ours.scope, ours.type, ours.origin, ours.scenario], ['Ip', 'ban', 'omamori', 'omamori/brute_force']);
  });
});
