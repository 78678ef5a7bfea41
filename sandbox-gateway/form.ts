/** Parses Stripe's form encoding (`a[b][0][c]=1`, as stripe-node sends it) into nested objects and arrays. */
export type Params = { [k: string]: Param };
export type Param = string | Params | Param[];

export function parseStripeForm(body: string): Params {
  const root: Params = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    const head = rawKey.split('[')[0]!;
    const rest = [...rawKey.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
    const path = [head, ...rest];
    if (path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      if (Array.isArray(node)) {
        const idx = key === '' ? node.length : Number(key);
        if (last) node[idx] = value;
        else node = (node[idx] ??= nextIsIndex ? [] : {}) as Record<string, unknown> | unknown[];
      } else {
        if (last) node[key] = value;
        else node = (node[key] ??= nextIsIndex ? [] : {}) as Record<string, unknown> | unknown[];
      }
    }
  }
  return root;
}

export function str(v: Param | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: Param | undefined): Params {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

export function list(v: Param | undefined): Param[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.values(v);
  return v === undefined ? [] : [v];
}
