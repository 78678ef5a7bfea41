import { createHash } from 'node:crypto';
import { normalizePath } from '../csp-reports/csp-reports.ts';

/**
 * What the payment-page watcher compares (PCI DSS 11.6.1; T1, T6): per page, the scripts (URL and SRI
 * hash), inline script contents (hashed: the nonce changes per response, the code does not), event-handler
 * attributes, stylesheets, frames, forms (method, action, field names, button formactions) and the
 * security headers. Never text, prices or values a shopper typed: only what a skimmer has to change.
 */
export interface PageSnapshot {
  status: number;
  headers: Record<string, string>;
  /** One line per element, sorted: `script src=... integrity=...`, `form POST /checkout/place fields=...`. */
  elements: string[];
}

/** The security headers of a payment page, as the baseline holds them. */
export const watchedHeaders = [
  'content-security-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'permissions-policy',
  'cross-origin-opener-policy',
  'cache-control',
  'reporting-endpoints',
] as const;

interface Tag {
  name: string;
  attrs: Map<string, string>;
  /** the raw text of a script element (up to its end tag) */
  content?: string;
}

const tagStart = /<(!--|[a-zA-Z][a-zA-Z0-9-]*|\/[a-zA-Z][a-zA-Z0-9-]*)/g;

/** A tolerant tokenizer for the few tags that matter; attribute names are case-folded like a browser does. */
export function tokenize(source: string): Array<Tag | { end: string }> {
  const out: Array<Tag | { end: string }> = [];
  tagStart.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = tagStart.exec(source))) {
    if (m[1] === '!--') {
      const close = source.indexOf('-->', m.index + 4);
      tagStart.lastIndex = close < 0 ? source.length : close + 3;
      continue;
    }
    if (m[1]!.startsWith('/')) {
      out.push({ end: m[1]!.slice(1).toLowerCase() });
      continue;
    }
    const name = m[1]!.toLowerCase();
    const attrs = new Map<string, string>();
    let i = tagStart.lastIndex;
    // attributes until the tag's `>`, honouring quotes
    for (;;) {
      while (i < source.length && /[\s/]/.test(source[i]!)) i++;
      if (i >= source.length || source[i] === '>') break;
      const an = /^[^\s/>=]+/.exec(source.slice(i, i + 200));
      if (!an) {
        i++;
        continue;
      }
      i += an[0].length;
      while (i < source.length && /\s/.test(source[i]!)) i++;
      let value = '';
      if (source[i] === '=') {
        i++;
        while (i < source.length && /\s/.test(source[i]!)) i++;
        const q = source[i];
        if (q === '"' || q === "'") {
          const close = source.indexOf(q, i + 1);
          value = source.slice(i + 1, close < 0 ? source.length : close);
          i = close < 0 ? source.length : close + 1;
        } else {
          const v = /^[^\s>]*/.exec(source.slice(i))![0];
          value = v;
          i += v.length;
        }
      }
      const key = an[0].toLowerCase();
      if (!attrs.has(key)) attrs.set(key, decodeEntities(value));
    }
    const tag: Tag = { name, attrs };
    i += 1;
    if (name === 'script' || name === 'style') {
      const close = source.toLowerCase().indexOf(`</${name}`, i);
      tag.content = source.slice(i, close < 0 ? source.length : close);
      i = close < 0 ? source.length : close;
    }
    tagStart.lastIndex = i;
    out.push(tag);
  }
  return out;
}

const entities: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return entities[e.toLowerCase()] ?? all;
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64');

/** A URL as the baseline keeps it: own-origin paths with identifiers as `:id`, other origins in full (no query). */
function place(raw: string | undefined, pageUrl: URL): string {
  if (raw === undefined) return '(none)';
  let u: URL;
  try {
    u = new URL(raw, pageUrl);
  } catch {
    return `invalid:${raw.slice(0, 100)}`;
  }
  // which product is in the throwaway cart must not matter: every numeric segment is an id
  if (u.origin === pageUrl.origin) return normalizePath(u.pathname).replace(/\/\d+(?=\/|$)/g, '/:id') + (u.searchParams.has('v') ? `?v=${u.searchParams.get('v')}` : '');
  return `${u.protocol}//${u.host}${u.pathname}`;
}

const nonExecutable = /^(application\/(ld\+)?json|text\/plain|text\/template)$/i;

/** The snapshot of one rendered page (the body and the response headers). */
export function snapshotPage(body: string, headers: Record<string, string | undefined>, status: number, pageUrl: URL): PageSnapshot {
  const h: Record<string, string> = {};
  for (const name of watchedHeaders) {
    const v = headers[name];
    // the nonce is fresh per response; everything else in the policy is compared
    h[name] = v === undefined ? '(none)' : name === 'content-security-policy' ? v.replace(/'nonce-[^']*'/g, "'nonce-*'") : v;
  }
  const elements: string[] = [];
  let form: { head: string; fields: string[] } | null = null;
  const closeForm = () => {
    if (form) elements.push(`${form.head} fields=${[...new Set(form.fields)].sort().join(',')}`);
    form = null;
  };
  for (const tok of tokenize(body)) {
    if ('end' in tok) {
      if (tok.end === 'form') closeForm();
      continue;
    }
    const a = tok.attrs;
    for (const [k, v] of a) if (k.startsWith('on')) elements.push(`handler ${tok.name} ${k} sha256=${sha256(v)}`);
    switch (tok.name) {
      case 'script': {
        const type = a.get('type') ?? '';
        if (a.has('src')) elements.push(`script src=${place(a.get('src'), pageUrl)} integrity=${a.get('integrity') ?? '(none)'} type=${type}`);
        else if (nonExecutable.test(type)) elements.push(`data-script type=${type.toLowerCase()}`);
        else elements.push(`inline-script type=${type} sha256=${sha256(tok.content ?? '')}`);
        break;
      }
      case 'link': {
        const rel = (a.get('rel') ?? '').toLowerCase();
        if (/stylesheet|preload|modulepreload|prefetch|import/.test(rel)) elements.push(`link rel=${rel} href=${place(a.get('href'), pageUrl)} integrity=${a.get('integrity') ?? '(none)'}`);
        break;
      }
      case 'style':
        elements.push(`inline-style sha256=${sha256(tok.content ?? '')}`);
        break;
      case 'iframe':
      case 'frame':
      case 'object':
      case 'embed':
        elements.push(`${tok.name} src=${place(a.get('src') ?? a.get('data'), pageUrl)}`);
        break;
      case 'base':
        elements.push(`base href=${place(a.get('href'), pageUrl)}`);
        break;
      case 'meta':
        if (a.has('http-equiv')) elements.push(`meta http-equiv=${(a.get('http-equiv') ?? '').toLowerCase()} sha256=${sha256(a.get('content') ?? '')}`);
        break;
      case 'form':
        closeForm();
        form = { head: `form ${(a.get('method') ?? 'get').toUpperCase()} ${place(a.get('action') ?? pageUrl.pathname, pageUrl)}`, fields: [] };
        break;
      case 'input':
      case 'select':
      case 'textarea':
      case 'button': {
        const name = a.get('name');
        const fields = (form as { fields: string[] } | null)?.fields ?? null;
        if (name !== undefined) (fields ?? elements).push(fields ? name : `field-outside-form ${name}`);
        if (a.has('formaction')) elements.push(`formaction ${place(a.get('formaction'), pageUrl)}`);
        break;
      }
    }
  }
  closeForm();
  elements.sort();
  return { status, headers: h, elements };
}

export interface PageDifference {
  page: string;
  /** e.g. `header content-security-policy`, `added script src=...`, `removed form ...` */
  what: string;
  observed: string | null;
}

/** Every difference between a page's baseline and what is served now (elements as multisets). */
export function comparePage(page: string, baseline: PageSnapshot, now: PageSnapshot): PageDifference[] {
  const out: PageDifference[] = [];
  if (baseline.status !== now.status) out.push({ page, what: `status ${baseline.status} -> ${now.status}`, observed: String(now.status) });
  for (const name of watchedHeaders) {
    const before = baseline.headers[name] ?? '(none)';
    const after = now.headers[name] ?? '(none)';
    if (before !== after) out.push({ page, what: `header ${name}${after === '(none)' ? ' removed' : before === '(none)' ? ' added' : ' changed'}`, observed: after });
  }
  const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const b = count(baseline.elements);
  const n = count(now.elements);
  for (const [x, k] of n) if (k > (b.get(x) ?? 0)) out.push({ page, what: `added ${x}`, observed: x });
  for (const [x, k] of b) if (k > (n.get(x) ?? 0)) out.push({ page, what: `removed ${x}`, observed: null });
  return out;
}
