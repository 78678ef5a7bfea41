// deploy/scan/run's verdicts (issue 15): how it reads sqlmap, wapiti and nmap output and the storefront's forms. The
// scanners themselves run in CI (.ci/run -> deploy/scan/run); these tests keep its judgement honest without them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canaryPrefix, extractForms, findingsOutsideCanary, openPorts, sqlmapInjectable } from '../deploy/scan/parse.ts';

const root = join(import.meta.dirname, '..');

test('sqlmap: an identified injection point is read as injectable; "not injectable" as clean', () => {
  const found = `[INFO] GET parameter 'id' is 'AND boolean-based blind' injectable\nsqlmap identified the following injection point(s) with a total of 41 HTTP(s) requests:\n---\nParameter: id (GET)\n    Type: boolean-based blind\n    Payload: id=1 AND 7040=7040\n\nParameter: #1* (URI)\n    Type: error-based\n---\n[INFO] the back-end DBMS is PostgreSQL\n`;
  assert.deepEqual(sqlmapInjectable(found), ['id (GET)', '#1* (URI)']);
  assert.deepEqual(sqlmapInjectable(`[WARNING] GET parameter 'q' does not seem to be injectable\n[CRITICAL] all tested parameters do not appear to be injectable.`), []);
  assert.deepEqual(sqlmapInjectable(''), [], 'no output (a crashed or time-boxed run) is never read as a finding');
});

test('wapiti: canary findings are required, any other finding or HTTP 500 is a failure, slow pages are only reported', () => {
  const r = findingsOutsideCanary({
    vulnerabilities: {
      'Cross Site Scripting': [{ path: `${canaryPrefix}echo`, parameter: 'q' }, { path: '/products', parameter: 'q' }],
      'SQL Injection': [],
    },
    anomalies: { 'Internal Server Error': [{ path: '/cart' }, { path: `${canaryPrefix}fruit` }], 'Resource consumption': [{ path: '/products' }] },
  });
  assert.deepEqual(r.canary.map((f) => f.category), ['Cross Site Scripting']);
  assert.deepEqual(r.vulnerabilities.map((f) => `${f.category} ${f.path}`), ['Cross Site Scripting /products']);
  assert.deepEqual(r.errors.map((f) => f.path), ['/cart']);
  assert.deepEqual(r.anomalies.map((f) => f.path), ['/products']);
  assert.deepEqual(findingsOutsideCanary({}), { canary: [], vulnerabilities: [], errors: [], anomalies: [] });
  // A path that only contains the prefix further in is not the canary.
  assert.equal(findingsOutsideCanary({ vulnerabilities: { XSS: [{ path: `/x${canaryPrefix}echo` }] } }).vulnerabilities.length, 1);
});

test('nmap: open ports are read from the grepable output', () => {
  const out = 'Host: 127.0.0.1 (localhost)\tStatus: Up\nHost: 127.0.0.1 (localhost)\tPorts: 8080/open/tcp//http-proxy///, 8081/open/tcp//blackice-icecap///, 5432/closed/tcp//postgresql///\tIgnored State: closed (65532)\n';
  assert.deepEqual(openPorts(out), [8080, 8081]);
});

test('forms: same-origin actions with their field names; other hosts and buttons are left out', () => {
  const html = `<form method="post" action="/account/sign-in?x=1&amp;y=2"><input type="hidden" name="next" value="/"><input name="email"><input type="password" name="password"><button type="submit" name="go">Go</button><input type="submit" name="s"></form>
  <form action="https://evil.example/steal" method="post"><input name="card"></form><form action="//evil.example/x"><input name="a"></form>
  <form class="search" action="/products" method="get"><input id="q" name="q" type="search"><select name="sort"></select><textarea name="note"></textarea></form>`;
  assert.deepEqual(extractForms(html, '/'), [
    { method: 'POST', action: '/account/sign-in?x=1&y=2', fields: ['email', 'next', 'password'] },
    { method: 'GET', action: '/products', fields: ['note', 'q', 'sort'] },
  ]);
});

test('the canary routes are never part of the built store', () => {
  // deploy/scan/canary-store.ts adds them through startStore's testRoutes; the bundle's entry point does not.
  assert.doesNotMatch(readFileSync(join(root, 'src/main.ts'), 'utf8'), /testRoutes|scan-canary/);
  for (const dir of ['src/app/boot.ts', 'src/app/routes.ts']) assert.doesNotMatch(readFileSync(join(root, dir), 'utf8'), /scan-canary/);
  assert.match(readFileSync(join(root, '.ci/run'), 'utf8'), /deploy\/scan\/run/, 'CI runs the outside scanners');
});
