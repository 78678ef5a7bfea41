import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusalMessage } from './format.ts';
import { checkTransition, nextStatuses, orderStatuses } from './state-machine.ts';

const terms = (method: string) => ({ shipsBeforePayment: method === 'cod' });
import type { OrderStatus } from './tables.ts';

/** Every legal move, per payment method; every other pair must be refused. */
const legal: Record<'bank_transfer' | 'cod', string[]> = {
  bank_transfer: ['awaiting_payment>paid', 'awaiting_payment>cancelled', 'paid>shipped', 'paid>refunded', 'shipped>delivered', 'shipped>refunded', 'delivered>refunded'],
  cod: ['awaiting_payment>paid', 'awaiting_payment>cancelled', 'awaiting_payment>shipped', 'paid>shipped', 'paid>refunded', 'shipped>delivered', 'shipped>refunded', 'delivered>refunded'],
};

test('every pair of states, for both payment methods: exactly the documented moves are legal', () => {
  for (const method of ['bank_transfer', 'cod'] as const) {
    for (const from of orderStatuses) {
      for (const to of orderStatuses) {
        const result = checkTransition(from, to, terms(method));
        assert.equal(result.ok, legal[method].includes(`${from}>${to}`), `${method}: ${from} → ${to}`);
      }
    }
  }
});

test('effects: stock returns only when goods never left; COD delivery means paid; mails on ship, cancel, refund', () => {
  const effects = (from: OrderStatus, to: OrderStatus, method = 'bank_transfer') => {
    const r = checkTransition(from, to, terms(method));
    assert.ok(r.ok, `${from} → ${to}`);
    return r.effects;
  };
  assert.deepEqual(effects('awaiting_payment', 'paid'), { releaseStock: false, marksPaid: true, mail: null });
  assert.deepEqual(effects('awaiting_payment', 'cancelled'), { releaseStock: true, marksPaid: false, mail: 'cancelled' });
  assert.deepEqual(effects('paid', 'refunded'), { releaseStock: true, marksPaid: false, mail: 'refunded' });
  assert.deepEqual(effects('paid', 'shipped'), { releaseStock: false, marksPaid: false, mail: 'shipped' });
  assert.deepEqual(effects('awaiting_payment', 'shipped', 'cod'), { releaseStock: false, marksPaid: false, mail: 'shipped' });
  assert.deepEqual(effects('shipped', 'delivered', 'cod'), { releaseStock: false, marksPaid: true, mail: null });
  assert.deepEqual(effects('shipped', 'delivered'), { releaseStock: false, marksPaid: false, mail: null });
  assert.deepEqual(effects('shipped', 'refunded'), { releaseStock: false, marksPaid: false, mail: 'refunded' });
  assert.deepEqual(effects('delivered', 'refunded'), { releaseStock: false, marksPaid: false, mail: 'refunded' });
});

test('refusals carry a reason that reads clearly in both languages', () => {
  const refuse = (from: OrderStatus, to: OrderStatus, method = 'bank_transfer') => {
    const r = checkTransition(from, to, terms(method));
    assert.equal(r.ok, false);
    return r.ok ? '' : r.reason;
  };
  assert.equal(refuse('shipped', 'awaiting_payment'), 'illegal');
  assert.equal(refusalMessage('illegal', 'shipped', 'awaiting_payment', 'ja'), '「発送済み」の注文を「入金待ち」に戻すことはできません。');
  assert.equal(refusalMessage('illegal', 'shipped', 'awaiting_payment', 'en'), 'An order that is “Shipped” cannot be moved back to “Awaiting payment”.');
  assert.equal(refusalMessage('illegal', 'awaiting_payment', 'delivered', 'ja'), '「入金待ち」の注文を「配達完了」にすることはできません。');
  assert.equal(refuse('paid', 'cancelled'), 'paid_needs_refund');
  assert.match(refusalMessage('paid_needs_refund', 'paid', 'cancelled', 'ja'), /返金済み/);
  assert.equal(refuse('awaiting_payment', 'shipped'), 'cod_only');
  assert.match(refusalMessage('cod_only', 'awaiting_payment', 'shipped', 'en'), /cash-on-delivery/);
  assert.equal(refuse('paid', 'paid'), 'unchanged');
  assert.equal(refuse('cancelled', 'awaiting_payment'), 'illegal');
  assert.equal(refuse('refunded', 'paid'), 'illegal');
});

test('next states offered to staff', () => {
  assert.deepEqual(nextStatuses('awaiting_payment', terms('bank_transfer')), ['paid', 'cancelled']);
  assert.deepEqual(nextStatuses('awaiting_payment', terms('cod')), ['paid', 'shipped', 'cancelled']);
  assert.deepEqual(nextStatuses('paid', terms('bank_transfer')), ['shipped', 'refunded']);
  assert.deepEqual(nextStatuses('shipped', terms('cod')), ['delivered', 'refunded']);
  assert.deepEqual(nextStatuses('delivered', terms('cod')), ['refunded']);
  assert.deepEqual(nextStatuses('cancelled', terms('cod')), []);
  assert.deepEqual(nextStatuses('refunded', terms('bank_transfer')), []);
});
