// Runs the sandbox gateway on its own: `npx tsx sandbox-gateway/main.ts`.
// Env: SANDBOX_GATEWAY_PORT (default 4000), SANDBOX_GATEWAY_PUBLIC_URL, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, SANDBOX_WEBHOOK_URL.
import { startSandboxGateway } from './server.ts';

const secretKey = process.env.STRIPE_SECRET_KEY ?? 'sk_test_sandbox';
const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_sandbox';
const webhookUrl = process.env.SANDBOX_WEBHOOK_URL ?? 'http://localhost:3000/webhooks/stripe';
const gateway = await startSandboxGateway({ port: Number(process.env.SANDBOX_GATEWAY_PORT ?? 4000), secretKey, webhookSecret, webhookUrl: () => webhookUrl, publicUrl: process.env.SANDBOX_GATEWAY_PUBLIC_URL || undefined });
console.log(`sandbox gateway on ${gateway.url} (browsers: ${gateway.origin}) → webhooks to ${webhookUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void gateway.close().finally(() => process.exit(0)));
