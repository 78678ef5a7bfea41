import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';

// Several instances on consecutive ports (deploy/test/run, the systemd template omamori@PORT) each start both payment
// sandboxes: no instance's sandbox may take another instance's port.
test('the sandboxes of instances on consecutive ports do not collide', () => {
  const taken = new Map<number, string>();
  for (const port of [3101, 3102, 3103, 3104]) {
    const c = loadConfig({ PORT: String(port), ADMIN_PORT: String(port + 100) } as NodeJS.ProcessEnv);
    for (const [what, p] of [['store', c.port], ['console', c.adminPort!], ['stripe sandbox', c.sandboxGatewayPort], ['komoju sandbox', c.komojuSandboxPort]] as const) {
      assert.ok(!taken.has(p), `${what} of ${port} on ${p}, already the ${taken.get(p)}`);
      taken.set(p, `${what} of ${port}`);
    }
  }
});
