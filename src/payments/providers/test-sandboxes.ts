import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startKomojuSandbox, type KomojuSandbox } from '../../../komoju-sandbox/server.ts';
import { startSandboxGateway, type SandboxGateway } from '../../../sandbox-gateway/server.ts';
import type { Config } from '../../platform/config.ts';
import { gatewayRequest, payOnGateway } from '../card/test-helpers.ts';
import type { PaymentProvider } from '../provider.ts';
import { komojuProvider } from './komoju.ts';
import { stripeProvider } from './stripe.ts';

/** A webhook as the store would receive it: the exact bytes and the signature header. */
export interface Delivered { raw: Buffer; signature: string | undefined }

/** One provider's adapter wired to its sandbox, with what the conformance suite needs to drive it like a shopper. */
export interface SandboxUnderTest {
  name: string;
  provider: PaymentProvider;
  delivered: Delivered[];
  /** Pays on the hosted page by card; `challenge` answers 3-D Secure. Returns where the shopper ends up. */
  payByCard(url: string, number: string, challenge?: 'complete' | 'fail'): Promise<{ challenged: boolean; status: number; location: string | null; text: string }>;
  /** A delivery signed with the right secret, `ageSeconds` old (for the replay check). */
  signedDelivery(ageSeconds: number): Delivered;
  /** Waits until every queued webhook delivery has been made. */
  settle(): Promise<void>;
  /** Everything the sandbox answered or sent (T5: must hold no card number). */
  everything(): string;
  close(): Promise<void>;
}

async function receiver(): Promise<{ server: Server; url: string; delivered: Delivered[] }> {
  const delivered: Delivered[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sig = req.headers['stripe-signature'] ?? req.headers['x-komoju-signature'];
      delivered.push({ raw: Buffer.concat(chunks), signature: typeof sig === 'string' ? sig : undefined });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, delivered };
}

const formToken = (text: string) => /name="form_token" value="([^"]+)"/.exec(text)?.[1] ?? '';

export async function stripeSandbox(): Promise<SandboxUnderTest> {
  const hook = await receiver();
  const secretKey = 'sk_test_conformance';
  const webhookSecret = 'whsec_conformance';
  const gw: SandboxGateway = await startSandboxGateway({ port: 0, secretKey, webhookSecret, webhookUrl: () => hook.url, retryDelaysMs: [20, 40] });
  const config = { paymentProvider: 'sandbox', sandboxGatewayUrl: gw.url, sandboxGatewayPublicUrl: undefined, stripeSecretKey: secretKey, stripeWebhookSecret: webhookSecret } as unknown as Config;
  return {
    name: 'stripe (sandbox gateway)',
    provider: stripeProvider(config),
    delivered: hook.delivered,
    payByCard: (url, number, challenge = 'complete') => payOnGateway(url, number, challenge) as ReturnType<SandboxUnderTest['payByCard']>,
    signedDelivery(ageSeconds) {
      const payload = JSON.stringify({ id: 'evt_conformance_old', object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000) - ageSeconds, data: { object: { id: 'pi_x', object: 'payment_intent', metadata: {} } } });
      const t = Math.floor(Date.now() / 1000) - ageSeconds;
      const v1 = createHmac('sha256', webhookSecret).update(`${t}.${payload}`).digest('hex');
      return { raw: Buffer.from(payload), signature: `t=${t},v1=${v1}` };
    },
    settle: () => gw.settle(),
    everything: () => JSON.stringify([gw.events, hook.delivered.map((d) => d.raw.toString())]),
    async close() {
      await gw.close();
      hook.server.close();
    },
  };
}

/** Pays on the KOMOJU sandbox's hosted page by card (3-D Secure answered as asked). */
export async function payOnKomoju(url: string, number: string, challenge: 'complete' | 'fail' | 'abandon' = 'complete') {
  const page = await gatewayRequest(url);
  assert.equal(page.status, 200, page.text);
  const action = new URL(`${new URL(url).pathname}/pay`, url).toString();
  const paid = await gatewayRequest(action, { form_token: formToken(page.text), payment_type: 'credit_card', number, exp: '12/34', cvc: '123', name: 'HANAKO YAMADA' });
  if (paid.status === 303 && paid.location?.endsWith('/3ds')) {
    const challengeUrl = new URL(paid.location, url).toString();
    const ch = await gatewayRequest(challengeUrl);
    assert.match(ch.text, /3-D Secure/);
    if (challenge === 'abandon') return { challenged: true, ...ch };
    return { challenged: true, ...(await gatewayRequest(challengeUrl, { form_token: formToken(ch.text), action: challenge })) };
  }
  return { challenged: false, ...paid };
}

/** Chooses コンビニ決済 on the KOMOJU sandbox's hosted page: where the shopper is sent back to. */
export async function chooseKonbini(url: string, store = 'lawson') {
  const page = await gatewayRequest(url);
  assert.equal(page.status, 200, page.text);
  return gatewayRequest(new URL(`${new URL(url).pathname}/pay`, url).toString(), { form_token: formToken(page.text), payment_type: 'konbini', store });
}

export async function komojuSandbox(): Promise<SandboxUnderTest & { sandbox: KomojuSandbox }> {
  const hook = await receiver();
  const secretKey = 'sk_test_komoju_conformance';
  const webhookSecret = 'komoju-conformance-webhook-secret';
  const sandbox = await startKomojuSandbox({ port: 0, secretKey, webhookSecret, webhookUrl: () => hook.url, retryDelaysMs: [20, 40] });
  const config = { komojuApiUrl: sandbox.apiUrl, komojuHostedOrigin: sandbox.origin, komojuSecretKey: secretKey, komojuWebhookSecret: webhookSecret } as unknown as Config;
  return {
    name: 'komoju (KOMOJU sandbox)',
    sandbox,
    provider: komojuProvider(config),
    delivered: hook.delivered,
    payByCard: (url, number, challenge = 'complete') => payOnKomoju(url, number, challenge),
    signedDelivery(ageSeconds) {
      const raw = Buffer.from(JSON.stringify({ id: 'conformanceoldevent', type: 'payment.captured', resource: 'event', created_at: new Date(Date.now() - ageSeconds * 1000).toISOString(), data: { id: 'x', resource: 'payment', payment_details: { type: 'credit_card' } } }));
      return { raw, signature: createHmac('sha256', webhookSecret).update(raw).digest('hex') };
    },
    settle: () => sandbox.settle(),
    everything: () => JSON.stringify([sandbox.events, hook.delivered.map((d) => d.raw.toString())]),
    async close() {
      await sandbox.close();
      hook.server.close();
    },
  };
}
