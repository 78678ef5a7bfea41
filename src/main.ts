import { loadConfig } from './platform/config.ts';
import { startStore } from './app/boot.ts';

const started = performance.now();
let store: Awaited<ReturnType<typeof startStore>>;
try {
  const config = loadConfig();
  store = await startStore(config);
} catch (err) {
  console.error(`omamori could not start: ${(err as Error).message}`);
  process.exit(1);
}

const ms = Math.round(performance.now() - started);
const lines = [
  '',
  `  omamori is running (${store.ctx.database.kind}, started in ${ms} ms)`,
  `  Storefront:    ${store.url}/`,
  `  Admin console: ${store.adminUrl}/admin`,
  ...(store.gateway ? [`  Card payments: sandbox gateway at ${store.gateway.origin} (test cards only)`] : [`  Card payments: ${store.ctx.config.paymentProvider}`]),
  ...(store.komojuSandbox ? [`  KOMOJU:        sandbox at ${store.komojuSandbox.origin} (choose KOMOJU in Settings for コンビニ決済, PayPay, Pay-easy)`] : store.ctx.config.komojuApiUrl ? ['  KOMOJU:        configured (choose it in Settings)'] : []),
  store.setupUrl
    ? `  First start: create the owner account (no default password exists) with this one-time link, valid for 24 hours:\n    ${store.setupUrl}`
    : `  Staff sign in at ${store.adminUrl}/admin/sign-in`,
  '',
];
console.log(lines.join('\n'));

// Issue 18: drain for SHUTDOWN_GRACE_MS, close, and exit. The process always exits: a hard timer ends it when a
// close step still hangs (a second signal ends it at once).
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    const grace = store.ctx.config.shutdownGraceMs;
    console.log(`  ${signal}: finishing requests in progress (at most ${grace} ms), then stopping`);
    setTimeout(() => {
      console.error('  shutdown took too long; exiting');
      process.exit(1);
    }, grace + 10_000).unref();
    void store
      .close()
      .catch((err: Error) => console.error(`  shutdown: ${err.message}`))
      .finally(() => process.exit(0));
  });
}
