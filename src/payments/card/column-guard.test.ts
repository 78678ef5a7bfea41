import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../platform/paths.ts';

/**
 * T5 (SHIGETA PARIS, Color Me Shop): omamori must have nowhere to put a full card number or a security
 * code. This fails the build if any migration creates or adds a column named like one.
 */
const forbidden = /^(pan|.*_pan|primary_account_number|.*card_?num(ber)?.*|.*cc_?num(ber)?.*|credit_?card|cc|ccn|cvv2?|cvc2?|cvn|cid|csc|.*security_?code.*|.*card_?code.*|.*card_?verification.*|track_?[12]|track_?data|.*magstripe.*|pin_?block)$/i;

export function migrationFiles(dir = join(projectRoot, 'src')): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...migrationFiles(p));
    else if (name.endsWith('.sql') && dir.endsWith('migrations')) out.push(p);
  }
  return out;
}

/** Column names created by `create table` or `alter table ... add [column]` (comments removed). */
export function columnNames(sqlText: string): string[] {
  const text = sqlText.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const names: string[] = [];
  for (const m of text.matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?[\w".]+\s*\(([\s\S]*?)\);/gi)) {
    let depth = 0;
    let part = '';
    const parts: string[] = [];
    for (const ch of m[1]!) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (ch === ',' && depth === 0) {
        parts.push(part);
        part = '';
      } else part += ch;
    }
    parts.push(part);
    for (const p of parts) {
      const word = /^\s*"?([A-Za-z_][\w]*)"?/.exec(p)?.[1];
      if (word && !/^(primary|unique|check|constraint|foreign|exclude|like)$/i.test(word)) names.push(word.toLowerCase());
    }
  }
  for (const m of text.matchAll(/add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?"?([A-Za-z_]\w*)"?/gi)) {
    if (!/^(constraint|primary|unique|check|foreign)$/i.test(m[1]!)) names.push(m[1]!.toLowerCase());
  }
  for (const m of text.matchAll(/rename\s+(?:column\s+)?"?\w+"?\s+to\s+"?([A-Za-z_]\w*)"?/gi)) names.push(m[1]!.toLowerCase());
  return names;
}

test('no migration adds a column that could hold a card number or a security code', () => {
  const files = migrationFiles();
  assert.ok(files.length >= 10, 'migrations found');
  const ours = columnNames(readFileSync(files.find((f) => f.endsWith('0026_card_payments.sql'))!, 'utf8'));
  for (const c of ['card_last4', 'card_brand', 'payment_intent_id', 'fingerprint']) assert.ok(ours.includes(c), c);
  const offenders: string[] = [];
  for (const f of files) for (const c of columnNames(readFileSync(f, 'utf8'))) if (forbidden.test(c)) offenders.push(`${f.slice(projectRoot.length + 1)}: ${c}`);
  assert.deepEqual(offenders, [], `T5: columns that could hold card data: ${offenders.join(', ')}`);
});

test('the column guard catches the names it must (and leaves ordinary ones)', () => {
  const sample = `create table t (id serial primary key, card_number text, cvc text, pan varchar(19), cc_number text, security_code text, cvn text, card_last4 text, card_brand text, paid_at timestamptz, check (id > 0));
alter table t add column cvv text; alter table t add cardnumber text; alter table t add constraint x unique (id);`;
  const hits = columnNames(sample).filter((c) => forbidden.test(c));
  assert.deepEqual(hits.sort(), ['card_number', 'cardnumber', 'cc_number', 'cvc', 'cvn', 'cvv', 'pan', 'security_code'].sort());
  for (const ok of ['card_last4', 'card_brand', 'card_exp_month', 'payment_intent_id', 'company', 'panel', 'span', 'expand', 'cidr']) assert.equal(forbidden.test(ok), false, ok);
  assert.ok(columnNames(sample).includes('paid_at'));
});
