// Runs the KOMOJU sandbox on its own: `npx tsx komoju-sandbox/main.ts`.
// Env: KOMOJU_SANDBOX_PORT (default 4001), KOMOJU_SECRET_KEY, KOMOJU_WEBHOOK_SECRET, KOMOJU_SANDBOX_WEBHOOK_URL.
import { startKomojuSandbox } from './server.ts';

const secretKey = process.env.KOMOJU_SECRET_KEY ?? 'sk_test_komoju_sandbox';
const webhookSecret = process.env.KOMOJU_WEBHOOK_SECRET ?? 'komoju_sandbox_webhook_secret';
const webhookUrl = process.env.KOMOJU_SANDBOX_WEBHOOK_URL ?? 'http://localhost:3000/webhooks/komoju';
const sandbox = await startKomojuSandbox({ port: Number(process.env.KOMOJU_SANDBOX_PORT ?? 4001), secretKey, webhookSecret, webhookUrl: () => webhookUrl });
console.log(`KOMOJU sandbox: API ${sandbox.apiUrl}, hosted pages ${sandbox.origin} → webhooks to ${webhookUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sandbox.close().finally(() => process.exit(0)));
