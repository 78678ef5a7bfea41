/**
 * The API half of the card-number proof test (issue 3, T2): requests generated from the OpenAPI document.
 * For every POST/PUT/PATCH operation, a plausible body is built from its request schema; then one request
 * per string field, per integer field, per path parameter and per query parameter carries a card number.
 */

import { deref, pick, sample, setAt, typeOf, type Schema } from './openapi-sample.ts';

export interface ApiCase {
  operation: string;
  method: string;
  url: string;
  body: unknown;
  /** Where the card number is: `body.items.0.note`, `params.number`, `query.q`. */
  field: string;
}

/** Paths of the leaves a card number can be typed into: strings, and integers (a number sent as a JSON number). */
function leafPaths(doc: any, raw: Schema, path: string[] = []): Array<{ path: string[]; kind: 'string' | 'integer' }> {
  const s = pick(doc, raw);
  const t = typeOf(s);
  if (s.enum || s.const !== undefined) return [{ path, kind: 'string' }];
  if (t === 'object') return Object.entries<Schema>(s.properties ?? {}).flatMap(([k, v]) => leafPaths(doc, v, [...path, k]));
  if (t === 'array') return leafPaths(doc, s.items ?? {}, [...path, '0']);
  if (t === 'integer' || t === 'number') return [{ path, kind: 'integer' }];
  if (t === 'boolean') return [];
  return [{ path, kind: 'string' }];
}


/**
 * Every request of the proof for one document. `cardText()` gives a card number typed some way (rotating
 * brands and styles); `cardInteger` is a card number that survives as a JSON number (below 2^53).
 */
export function apiCases(doc: any, cardText: () => string, cardInteger: number): { operations: string[]; cases: ApiCase[] } {
  const operations: string[] = [];
  const cases: ApiCase[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['post', 'put', 'patch'].includes(method)) continue;
      const operation = `${op.operationId ?? '?'} (${method.toUpperCase()} ${path})`;
      operations.push(operation);
      const params: Schema[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(doc, p));
      const pathParams = params.filter((p) => p.in === 'path');
      const queryParams = params.filter((p) => p.in === 'query');
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const url = (overrides: Record<string, string> = {}) => {
        let u = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(overrides[`params.${name}`] ?? '1'));
        const q = new URLSearchParams();
        for (const p of queryParams) if (overrides[`query.${p.name}`] !== undefined) q.set(p.name, overrides[`query.${p.name}`]!);
        if ([...q].length) u += `?${q}`;
        return u;
      };
      const body = () => (schema ? sample(doc, schema) : undefined);
      if (schema) {
        for (const leaf of leafPaths(doc, schema)) {
          const b = body();
          const field = ['body', ...leaf.path].join('.');
          if (leaf.path.length === 0) cases.push({ operation, method, url: url(), body: cardText(), field });
          else {
            setAt(b, leaf.path, leaf.kind === 'integer' ? cardInteger : cardText());
            cases.push({ operation, method, url: url(), body: b, field });
          }
        }
        // A key holding a card number.
        const keyed = body();
        if (keyed && typeof keyed === 'object' && !Array.isArray(keyed)) {
          (keyed as Record<string, unknown>)[cardText()] = 'x';
          cases.push({ operation, method, url: url(), body: keyed, field: 'body.<key>' });
        }
      }
      for (const p of pathParams) cases.push({ operation, method, url: url({ [`params.${p.name}`]: cardText() }), body: body(), field: `params.${p.name}` });
      for (const p of queryParams) cases.push({ operation, method, url: url({ [`query.${p.name}`]: cardText() }), body: body(), field: `query.${p.name}` });
      // Every operation takes a query string, declared or not: the guard screens it whatever the route reads.
      if (!queryParams.length) cases.push({ operation, method, url: `${url()}?q=${encodeURIComponent(cardText())}`, body: body(), field: 'query.q' });
    }
  }
  return { operations, cases };
}
