import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestStore } from '../../../test/harness.ts';
import { loadConfig } from '../../platform/config.ts';
import { placeCardOrder, startCardStore } from './test-helpers.ts';

/**
 * SANDBOX_GATEWAY_PUBLIC_URL: behind a reverse proxy (or on another host name) the shopper's browser reaches the
 * sandbox gateway at another origin than the one the store calls its API at. Redirects, the store's CSP
 * form-action and the gateway's own Origin check must all use the public one.
 */

const publicOrigin = 'https://pay.example.test';
let store: TestStore;
before(async () => {
  store = await startCardStore({ config: { sandboxGatewayPublicUrl: publicOrigin } });
});
after(() => store.close());

const formToken = (text: string) => /name="form_token" value="([^"]+)"/.exec(text)?.[1] ?? '';

test('checkout sends the shopper to the public origin, and the store pages allow that origin in form-action', async () => {
  const { payUrl, client } = await placeCardOrder(store);
  assert.equal(new URL(payUrl).origin, publicOrigin);
  assert.match(new URL(payUrl).pathname, /^\/pay\/cs_test_[A-Za-z]+$/);
  assert.equal(store.gateway!.origin, publicOrigin);
  assert.notEqual(store.gateway!.url, publicOrigin, 'the store still calls the API directly');
  const page = await client.get('/checkout');
  assert.match(page.headers.get('content-security-policy') ?? '', /form-action 'self' https:\/\/pay\.example\.test/);
});

test('the gateway accepts its forms from the public origin (as the proxy forwards them) and refuses any other', async () => {
  const { payUrl } = await placeCardOrder(store);
  // What the reverse proxy does: the same path on the gateway's own listener, with the browser's Origin header.
  const behindProxy = store.gateway!.url + new URL(payUrl).pathname;
  const form = await fetch(behindProxy);
  assert.equal(form.status, 200);
  const token = formToken(await form.text());
  const card = { form_token: token, number: '4242424242424242', exp: '12/34', cvc: '123', name: 'HANAKO YAMADA' };
  const post = (origin: string) => fetch(behindProxy, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: new URLSearchParams(card) });
  assert.equal((await post(store.gateway!.url)).status, 403, 'the internal origin is not where shoppers come from');
  const paid = await post(publicOrigin);
  assert.equal(paid.status, 303);
  assert.equal(new URL(paid.headers.get('location')!).origin, new URL(store.url).origin, 'back to the store');
});

test('SANDBOX_GATEWAY_PUBLIC_URL must be an http(s) origin', () => {
  const env = { DATA_DIR: '/tmp/omamori-config-test' } as NodeJS.ProcessEnv;
  assert.equal(loadConfig({ ...env, SANDBOX_GATEWAY_PUBLIC_URL: 'https://pay.example.jp/' }).sandboxGatewayPublicUrl, 'https://pay.example.jp');
  assert.equal(loadConfig(env).sandboxGatewayPublicUrl, undefined);
  for (const bad of ['https://pay.example.jp/gateway', 'ftp://pay.example.jp', 'pay.example.jp']) {
    assert.throws(() => loadConfig({ ...env, SANDBOX_GATEWAY_PUBLIC_URL: bad }), /SANDBOX_GATEWAY_PUBLIC_URL/, bad);
  }
});
