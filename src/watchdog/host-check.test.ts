import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestStore, type TestStore } from '../../test/harness.ts';
import { createHostCheck } from './host-check.ts';
import { parseProcNetTcp, procAvailable } from './host.ts';

test('parses LISTEN sockets of /proc/net/tcp and tcp6', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1`;
  assert.deepEqual(parseProcNetTcp(tcp), [{ address: '127.0.0.1', port: 8080, inode: '12345' }]);
  const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0000000000000000 100 0 0 10 0`;
  assert.deepEqual(parseProcNetTcp(tcp6), [{ address: '0:0:0:0:0:0:0:1', port: 8081, inode: '777' }]);
});

const linux = procAvailable();
let store: TestStore;
before(async () => {
  if (linux) store = await startTestStore();
});
after(async () => store?.close());

test('host: a listener and a child process the store did not open are found and alerted; the allow-list silences them', { skip: linux ? false : 'needs Linux /proc' }, async () => {
  const host = store.services.hostCheck;
  const storePort = Number(new URL(store.url).port);
  assert.ok(!(await host.checkNow()).ports.some((p) => p.port === storePort), 'the store port is expected');

  // The test process is the store's process: a listener opened here stands in for a backdoor.
  const backdoor = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => backdoor.once('listening', r));
  const port = (backdoor.address() as AddressInfo).port;
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const found = await host.checkNow();
    assert.ok(found.ports.some((p) => p.port === port), JSON.stringify(found));
    assert.ok(found.processes.some((p) => p.pid === child.pid && p.name === 'sleep'), JSON.stringify(found));
    const alerts = await store.ctx.db.selectFrom('alert').select(['fingerprint', 'severity']).where('kind', '=', 'host_unexpected').execute();
    assert.ok(alerts.some((a) => a.fingerprint === `host:port:${port}` && a.severity === 'critical'));
    assert.ok(alerts.some((a) => a.fingerprint === 'host:process:sleep'));

    const allowed = createHostCheck(store.ctx, { ...host.config, checkSeconds: 0, allowPorts: [port], allowProcesses: [...host.config.allowProcesses, 'sleep'] });
    const again = await allowed.checkNow();
    assert.ok(!again.ports.some((p) => p.port === port));
    assert.ok(!again.processes.some((p) => p.name === 'sleep'));
  } finally {
    child.kill();
    await new Promise((r) => backdoor.close(r));
  }
});
