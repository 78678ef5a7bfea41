import { loadConfig } from './platform/config.ts';
import { startStore } from './platform/boot.ts';

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
  store.setupUrl
    ? `  First start: create the owner account (no default password exists) with this one-time link, valid for 24 hours:\n    ${store.setupUrl}`
    : `  Staff sign in at ${store.adminUrl}/admin/sign-in`,
  '',
];
console.log(lines.join('\n'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void store.close().finally(() => process.exit(0));
  });
}
