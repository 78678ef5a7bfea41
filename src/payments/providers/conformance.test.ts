import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HostedPaymentRequest, PaymentSnapshot, ProviderEvent } from '../provider.ts';
import { komojuSandbox, stripeSandbox, type SandboxUnderTest } from './test-sandboxes.ts';

/**
 * The payment seam's conformance suite: every provider adapter, against its own sandbox on its own origin,
 * behaves the same through the neutral `PaymentProvider` interface. A new adapter is added to `sandboxes`.
 */
const sandboxes: Array<() => Promise<SandboxUnderTest>> = [stripeSandbox, komojuSandbox];

let seq = 0;
const request = (over: Partial<HostedPaymentRequest> = {}): HostedPaymentRequest => {
  const orderNumber = `C${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();
  return { orderNumber, amount: 4_400, email: 'hanako@example.jp', locale: 'ja', method: 'card', capture: 'automatic', successUrl: 'http://localhost:1/checkout/card/return', cancelUrl: `http://localhost:1/checkout/card/return?order=${orderNumber}`, expiresAt: new Date(Date.now() + 31 * 60_000), idempotencyKey: `checkout-session:${orderNumber}:4400`, ...over };
};

for (const start of sandboxes) {
  describe(`payment provider conformance: ${start.name}`, () => {
    let sut: SandboxUnderTest;
    before(async () => {
      sut = await start();
    });
    after(async () => {
      await sut?.close();
    });

    /** The verified events delivered so far about one session or payment. */
    const eventsAbout = async (snap: Pick<PaymentSnapshot, 'sessionId' | 'paymentRef'>): Promise<ProviderEvent[]> => {
      await sut.settle();
      const out: ProviderEvent[] = [];
      for (const d of sut.delivered) {
        const v = sut.provider.verifyWebhook(d.raw, d.signature);
        assert.ok(v.ok, `a delivery from the sandbox did not verify: ${!v.ok && v.reason}`);
        if (v.ok && ((v.event.sessionId && v.event.sessionId === snap.sessionId) || (v.event.paymentRef && v.event.paymentRef === snap.paymentRef))) out.push(v.event);
      }
      return out;
    };

    test('hosted session: created on the provider origin, idempotent, read back as open', async () => {
      const r = request();
      const created = await sut.provider.createHostedPayment(r);
      assert.equal(new URL(created.url).origin, sut.provider.hostedOrigin());
      assert.equal((await sut.provider.createHostedPayment(r)).id, created.id, 'the same idempotency key makes one session');
      const snap = await sut.provider.readPayment(created.id);
      assert.equal(snap.state, 'open');
      assert.equal(snap.url, created.url);
      assert.equal(snap.completed, false);
      assert.ok(sut.provider.methods.includes('card'));
    });

    test('success: paid, brand and last 4 only, a verified success webhook', async () => {
      const created = await sut.provider.createHostedPayment(request());
      const paid = await sut.payByCard(created.url, '4242424242424242');
      assert.equal(paid.challenged, false);
      assert.equal(paid.status, 303);
      assert.match(paid.location ?? '', new RegExp(`session_id=${created.id}`), 'the shopper is sent back with the session id');
      const snap = await sut.provider.readPayment(created.id);
      assert.equal(snap.state, 'paid');
      assert.equal(snap.completed, true);
      assert.equal(snap.url, null);
      assert.deepEqual([snap.card?.brand, snap.card?.last4, snap.card?.expMonth, snap.card?.expYear], ['visa', '4242', 12, 2034]);
      const events = await eventsAbout(snap);
      assert.ok(events.some((e) => e.kind === 'payment_succeeded'), events.map((e) => e.type).join());
      // T5: nothing the sandbox answered or sent holds the number.
      assert.doesNotMatch(JSON.stringify(snap) + sut.everything(), /4242424242424242/);
    });

    test('decline: the session stays payable; a verified failure webhook carries a reason', async () => {
      const created = await sut.provider.createHostedPayment(request());
      const declined = await sut.payByCard(created.url, '4000000000000002');
      assert.equal(declined.status, 402);
      const snap = await sut.provider.readPayment(created.id);
      assert.equal(snap.state, 'failed');
      assert.ok(snap.url, 'another card may be tried');
      const failure = (await eventsAbout({ sessionId: created.id, paymentRef: snap.paymentRef })).find((e) => e.kind === 'payment_failed');
      assert.ok(failure?.failure?.code, 'the decline reason is kept for detection');
    });

    test('3-D Secure challenge: completed pays, failed leaves the session payable', async () => {
      const ok = await sut.provider.createHostedPayment(request());
      const done = await sut.payByCard(ok.url, '4000000000003220', 'complete');
      assert.equal(done.challenged, true);
      assert.equal((await sut.provider.readPayment(ok.id)).state, 'paid');
      const bad = await sut.provider.createHostedPayment(request());
      const failed = await sut.payByCard(bad.url, '4000000000003220', 'fail');
      assert.equal(failed.challenged, true);
      const snap = await sut.provider.readPayment(bad.id);
      assert.equal(snap.state, 'failed');
      const failure = (await eventsAbout({ sessionId: bad.id, paymentRef: snap.paymentRef })).find((e) => e.kind === 'payment_failed');
      assert.equal(failure?.failure?.authentication, true, 'a 3-D Secure failure is told apart from a decline');
    });

    test('webhook signature: valid verifies; tampered, wrongly signed, unsigned or old is refused', async () => {
      const created = await sut.provider.createHostedPayment(request());
      await sut.payByCard(created.url, '4242424242424242');
      await sut.settle();
      const d = sut.delivered.at(-1)!;
      assert.ok(sut.provider.verifyWebhook(d.raw, d.signature).ok);
      const tampered = Buffer.from(d.raw.toString().replace(/"amount":\s?4400/, '"amount":1'));
      assert.notDeepEqual(tampered, d.raw);
      assert.deepEqual(sut.provider.verifyWebhook(tampered, d.signature), { ok: false, reason: 'signature' });
      assert.deepEqual(sut.provider.verifyWebhook(d.raw, undefined), { ok: false, reason: 'signature' });
      assert.deepEqual(sut.provider.verifyWebhook(d.raw, (d.signature ?? '').replace(/[0-9a-f]{8}$/, '00000000')), { ok: false, reason: 'signature' });
      const fresh = sut.signedDelivery(10);
      assert.ok(sut.provider.verifyWebhook(fresh.raw, fresh.signature).ok, 'a fresh, rightly signed delivery verifies');
      const old = sut.signedDelivery(2 * 24 * 3600);
      assert.deepEqual(sut.provider.verifyWebhook(old.raw, old.signature), { ok: false, reason: 'timestamp' });
    });

    test('duplicate and out-of-order webhooks: the same delivery twice is one event id; the read-back is the truth', async () => {
      const created = await sut.provider.createHostedPayment(request());
      await sut.payByCard(created.url, '4242424242424242');
      const paidSnap = await sut.provider.readPayment(created.id);
      const events = await eventsAbout(paidSnap);
      const first = events[0]!;
      const again = sut.delivered.find((d) => {
        const v = sut.provider.verifyWebhook(d.raw, d.signature);
        return v.ok && v.event.id === first.id;
      })!;
      const twice = sut.provider.verifyWebhook(again.raw, again.signature);
      assert.ok(twice.ok && twice.event.id === first.id, 'a redelivery carries the same event id (the store applies it once)');
      await sut.provider.refund(paidSnap.paymentRef!, 4_400, `refund:ooo:${created.id}`, 'ooo');
      // The success event arriving after the refund changes nothing: the state is read from the provider.
      assert.ok(events.some((e) => e.kind === 'payment_succeeded'));
      assert.equal((await sut.provider.readPayment(created.id)).state, 'refunded');
    });

    test('refunds: partial then full; the same idempotency key refunds once; too much is refused', async () => {
      const created = await sut.provider.createHostedPayment(request());
      await sut.payByCard(created.url, '4242424242424242');
      const ref = (await sut.provider.readPayment(created.id)).paymentRef!;
      const r1 = await sut.provider.refund(ref, 400, `refund:${created.id}:400:0`, 'X');
      assert.equal((await sut.provider.refund(ref, 400, `refund:${created.id}:400:0`, 'X')).id, r1.id);
      let snap = await sut.provider.readPayment(created.id);
      assert.equal(snap.state, 'partially_refunded');
      assert.equal(snap.amountRefunded, 400);
      await assert.rejects(sut.provider.refund(ref, 4_001, `refund:${created.id}:4001:400`, 'X'));
      await sut.provider.refund(ref, 4_000, `refund:${created.id}:4000:400`, 'X');
      snap = await sut.provider.readPayment(created.id);
      assert.equal(snap.state, 'refunded');
      assert.equal(snap.amountRefunded, 4_400);
    });

    test('manual capture: authorized, then captured (paid) or voided', async () => {
      const a = await sut.provider.createHostedPayment(request({ capture: 'manual' }));
      await sut.payByCard(a.url, '4242424242424242');
      let snap = await sut.provider.readPayment(a.id);
      assert.equal(snap.state, 'authorized');
      await sut.provider.capture(snap.paymentRef!, `capture:${a.id}`);
      assert.equal((await sut.provider.readPayment(a.id)).state, 'paid');
      const b = await sut.provider.createHostedPayment(request({ capture: 'manual' }));
      await sut.payByCard(b.url, '4242424242424242');
      snap = await sut.provider.readPayment(b.id);
      await sut.provider.void(snap.paymentRef!, `void:${b.id}`);
      assert.equal((await sut.provider.readPayment(b.id)).state, 'voided');
    });

    test('closing an open session: it can no longer be paid and reads as expired; closing again is harmless', async () => {
      const created = await sut.provider.createHostedPayment(request());
      await sut.provider.closeSession(created.id);
      await sut.provider.closeSession(created.id);
      const snap = await sut.provider.readPayment(created.id);
      assert.equal(snap.state, 'expired');
      assert.equal(snap.url, null);
    });
  });
}
