import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, jsonForScript, unsafeRaw } from './html.ts';

test('html escapes every interpolation', () => {
  const evil = `<script>alert("x")</script>&'\``;
  assert.equal(String(html`<p title="${evil}">${evil}</p>`), `<p title="${escapeHtml(evil)}">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;</p>`);
});

test('nested html and arrays are not double-escaped; raw is explicit', () => {
  const items = ['a<b', 'c'];
  assert.equal(String(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`), '<ul><li>a&lt;b</li><li>c</li></ul>');
  assert.equal(String(html`${unsafeRaw('<b>ok</b>')}`), '<b>ok</b>');
  assert.equal(String(html`${null}${undefined}${false}${0}`), '0');
});

test('json for a script block cannot close the tag', () => {
  assert.doesNotMatch(String(jsonForScript({ x: '</script><script>' })), /<\/script>/);
});
