import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createHttpServer } from '../http/server.ts';

/** The guard on a bare server (no database): what is screened, and how exemptions match. */
function app() {
  const server = createHttpServer({ logger: pino({ level: 'silent' }), publicUrl: 'http://localhost:3000', trustProxy: false, renderErrorPage: (_req, status, message) => `<html><body>${status} ${message}</body></html>` });
  const handled: string[] = [];
  server.post('/echo', async (req) => {
    handled.push(JSON.stringify(req.body));
    return { ok: true };
  });
  server.post('/items', { config: { cardGuard: { 'items.*.jan_code': 'jan', 'query.code': 'jan' } } }, async () => ({ ok: true }));
  return { server, handled };
}

const json = (body: unknown, url = '/echo') => ({ method: 'POST' as const, url, headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

test('deep JSON, keys, numbers and text bodies are screened; the handler never runs', async () => {
  const { server, handled } = app();
  const deep = `${'['.repeat(5000)}{"note":"カード 4242-4242-4242-4242"}${']'.repeat(5000)}`;
  const cases: Array<[unknown, string]> = [
    [deep, `${'0.'.repeat(5000)}note`.slice(0, 200) + '…'],
    [{ a: { b: [{ c: '３５６６　００２０　２０３６　０５０５' }] } }, 'a.b.0.c'],
    [{ 'メモ 4242 4242 4242 4242': 'x' }, 'メモ [card-number]'],
    [{ quantity: 4242424242424242 }, 'quantity'],
  ];
  for (const [body, field] of cases) {
    const res = await server.inject(json(body));
    assert.equal(res.statusCode, 422, field.slice(0, 40));
    const err = res.json().error;
    assert.deepEqual(Object.keys(err.fields), [field]);
  }
  const text = await server.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'pay with 378282246310005' });
  assert.equal(text.statusCode, 422);
  assert.match(text.body, /カード番号のような数字は入力できません/);
  assert.deepEqual(handled, []);
  assert.equal((await server.inject(json({ phone: '090-1234-5678', jan: '4901234567894' }))).statusCode, 200);
  assert.equal(handled.length, 1);
});

test('exemptions apply only to the declared fields and only to valid values of the format', async () => {
  const { server } = app();
  // 4900000000023 passes Luhn and EAN-13; 4242424242424242 is a card in any field.
  const ok = await server.inject(json({ items: [{ jan_code: '4900000000023' }, { jan_code: '４９００００００００２３' }] }, '/items?code=4900000000023'));
  assert.equal(ok.statusCode, 200, ok.body);
  const card = await server.inject(json({ items: [{ jan_code: '4242424242424242' }] }, '/items'));
  assert.equal(card.statusCode, 422);
  assert.deepEqual(Object.keys(card.json().error.fields), ['items.0.jan_code']);
  const elsewhere = await server.inject(json({ items: [{ note: '4242424242424242' }] }, '/items'));
  assert.equal(elsewhere.statusCode, 422);
  const query = await server.inject({ method: 'POST', url: '/items?other=4242424242424242', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: '{}' });
  assert.deepEqual(Object.keys(query.json().error.fields), ['query.other']);
});
