import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPhone, maskEmail, maskPhone } from '../platform/privacy/masking.ts';
import { safeNextPath } from './sessions/redirects.ts';

test('next= accepts same-site relative paths only (open redirect)', () => {
  assert.equal(safeNextPath('/cart', '/account'), '/cart');
  assert.equal(safeNextPath('/p/beans?variant=2#top', '/account'), '/p/beans?variant=2#top');
  for (const bad of ['/.//evil.example/pay', '/a/..//evil.example', '/%2e//evil.example', '/./\\evil.example', '//evil.example', '///evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example/', 'evil.example', 'javascript:alert(1)', '/\tx', '/\r\nSet-Cookie:x', '', undefined, 42, ['/cart']]) {
    assert.equal(safeNextPath(bad, '/account'), '/account', `refused ${String(bad)}`);
  }
  // Already percent-encoded input stays encoded: it cannot split the Location header.
  assert.equal(safeNextPath('/%0d%0aSet-Cookie:x', '/account'), '/%0d%0aSet-Cookie:x');
  assert.equal(safeNextPath('/admin/orders?x=1', '/admin', '/admin'), '/admin/orders?x=1');
  assert.equal(safeNextPath('/administrator', '/admin', '/admin'), '/admin');
  assert.equal(safeNextPath('/cart', '/admin', '/admin'), '/admin');
  assert.equal(safeNextPath('/admin/../cart', '/admin', '/admin'), '/admin');
});

test('masking keeps enough to tell people apart and no more', () => {
  assert.equal(maskEmail('taro@example.jp'), 't***@example.jp');
  assert.equal(maskEmail('花子@example.jp'), '花***@example.jp');
  assert.equal(maskPhone('09012341234'), '090-****-1234');
  assert.equal(maskPhone('0312345678'), '031-****-5678');
  assert.equal(maskPhone(''), '');
  assert.equal(formatPhone('09012341234'), '090-1234-1234');
  assert.equal(formatPhone('0312345678'), '03-1234-5678');
});
