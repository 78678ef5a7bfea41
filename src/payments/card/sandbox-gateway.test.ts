import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Stripe from 'stripe';
import { startSandboxGateway } from '../../../sandbox-gateway/server.ts';
import { payOnGateway } from './test-helpers.ts';

/** The sandbox gateway on its own: Stripe's client works against it, webhooks are signed like Stripe's and retried. */
test('sandbox gateway: API auth, idempotency, signed webhooks retried with backoff, no card number kept', async () => {
  const received: Array<{ body: string; signature: string }> = [];
  let failFirst = 2;
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failFirst-- > 0) return void res.writeHead(500).end();
      received.push({ body, signature: String(req.headers['stripe-signature']) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
  const gw = await startSandboxGateway({ port: 0, secretKey: 'sk_test_unit', webhookSecret: 'whsec_unit', webhookUrl: () => hookUrl, retryDelaysMs: [20, 40, 80] });
  try {
    const u = new URL(gw.url);
    const stripe = new Stripe('sk_test_unit', { host: u.hostname, port: Number(u.port), protocol: 'http' });
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'jpy', unit_amount: 4_400, product_data: { name: 'Order 1' } } }],
      success_url: 'http://localhost:1/ok?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost:1/cancel',
      metadata: { order_number: '1' },
    };
    const s = await stripe.checkout.sessions.create(params, { idempotencyKey: 'order-1' });
    assert.equal(s.amount_total, 4_400);
    assert.equal((await stripe.checkout.sessions.create(params, { idempotencyKey: 'order-1' })).id, s.id);
    await assert.rejects(stripe.checkout.sessions.create({ ...params, metadata: { order_number: '2' } }, { idempotencyKey: 'order-1' }), /same parameters/);
    await assert.rejects(new Stripe('sk_test_wrong', { host: u.hostname, port: Number(u.port), protocol: 'http' }).checkout.sessions.retrieve(s.id), (e: { type?: string }) => e.type === 'StripeAuthenticationError');

    const paid = await payOnGateway(s.url!, '4242424242424242');
    assert.equal(paid.location, `http://localhost:1/ok?session_id=${s.id}`);
    await gw.settle();
    // The first delivery failed twice and was retried; every delivery verifies with Stripe's own code.
    assert.ok(received.length >= 2);
    const types = received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, 'whsec_unit').type);
    assert.ok(types.includes('checkout.session.completed') && types.includes('payment_intent.succeeded'), types.join());
    assert.throws(() => stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, 'whsec_other'));

    const full = await stripe.checkout.sessions.retrieve(s.id, { expand: ['payment_intent', 'payment_intent.payment_method', 'payment_intent.latest_charge'] });
    const pi = full.payment_intent as Stripe.PaymentIntent;
    const card = (pi.payment_method as Stripe.PaymentMethod).card!;
    assert.deepEqual([card.brand, card.last4, card.exp_month, card.exp_year], ['visa', '4242', 12, 2034]);
    assert.match(card.fingerprint ?? '', /^[\w-]{16}$/);
    // T5: nothing the gateway answers or sends holds the number or the CVC.
    const everything = JSON.stringify([full, gw.events, received]);
    assert.doesNotMatch(everything, /4242424242424242|"cvc"|"number"/);

    // Refunds: partial, then an idempotent replay, then too much.
    const r1 = await stripe.refunds.create({ payment_intent: pi.id, amount: 400 }, { idempotencyKey: 'refund:1:400:0' });
    assert.equal((await stripe.refunds.create({ payment_intent: pi.id, amount: 400 }, { idempotencyKey: 'refund:1:400:0' })).id, r1.id);
    await assert.rejects(stripe.refunds.create({ payment_intent: pi.id, amount: 4_001 }), /greater than unrefunded/);
  } finally {
    await gw.close();
    hook.close();
  }
});
