import type { Page } from 'playwright-core';
import type { TestClient, TestResponse } from './client.ts';

/**
 * The HTML-form half of the card-number proof test (issue 3, T2): crawl the rendered pages as one visitor,
 * let Chromium's HTML parser find every <form> and its fields, and send each form again with a card number
 * in its fields. Pages are parsed with DOMParser in a blank page: no script runs, nothing is fetched.
 */

export interface FormField {
  name: string;
  /** input type, or `select` / `textarea` / `button` */
  type: string;
  value: string;
  checked: boolean;
}

export interface FoundForm {
  /** The page the form was found on (path and query). */
  page: string;
  method: 'get' | 'post';
  /** Resolved against the page: path and query on the store's origin, or an absolute URL elsewhere. */
  action: string;
  multipart: boolean;
  fields: FormField[];
  /** Named submit buttons (each submits a different request). */
  submitters: FormField[];
}

interface Parsed {
  forms: Omit<FoundForm, 'page'>[];
  links: string[];
}

/**
 * Runs in the browser: forms (with their fields) and same-origin links of one page. Plain JavaScript in a
 * string, because tsx's transform of a TypeScript function would reference helpers the page does not have.
 */
const parseInPage = `({ html, url }) => {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const base = new URL(url);
  const local = (href) => { const u = new URL(href, base); return u.origin === base.origin ? u.pathname + u.search : u.toString(); };
  const forms = [...doc.querySelectorAll('form')].map((f) => {
    const fields = [];
    const submitters = [];
    for (const el of f.elements) {
      if (!el.name || el.disabled) continue;
      const tag = el.tagName.toLowerCase();
      const type = tag === 'input' ? el.type : tag;
      if (type === 'submit' || tag === 'button') {
        if (el.type !== 'button' && el.type !== 'reset') submitters.push({ name: el.name, type: 'button', value: el.value, checked: false });
        continue;
      }
      const value = tag === 'select' ? (el.value || (el.options[0] ? el.options[0].value : '')) : el.value;
      fields.push({ name: el.name, type, value, checked: type === 'checkbox' || type === 'radio' ? el.checked : true });
    }
    const method = (f.getAttribute('method') || 'get').toLowerCase() === 'post' ? 'post' : 'get';
    const multipart = (f.getAttribute('enctype') || '').toLowerCase() === 'multipart/form-data';
    return { method, action: local(f.getAttribute('action') || url), multipart, fields, submitters };
  });
  const links = [...doc.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')).filter((h) => !h.startsWith('#') && !/^(mailto|tel|javascript):/i.test(h)).map(local);
  return { forms, links };
}`;

async function parsePage(parser: Page, html: string, url: string): Promise<Parsed> {
  return (await parser.evaluate(`(${parseInPage})(${JSON.stringify({ html, url })})`)) as Parsed;
}

/** The forms of a page that only a POST shows (e.g. checkout's review page with the place-order form). */
export async function formsOf(parser: Page, client: TestClient, path: string, res: TestResponse): Promise<FoundForm[]> {
  return (await parsePage(parser, res.text, client.baseUrl + path)).forms.map((f) => ({ page: `POST ${path}`, ...f }));
}

/** A page or form path with its identifiers replaced, so that 50 product pages count as one shape. */
export function shapeOf(pathAndQuery: string): string {
  const [path, query] = pathAndQuery.split('?');
  const p = path!.replace(/\/\d[\w-]*/g, '/:id').replace(/\/(p|c|orders)\/[^/]+/g, '/$1/:key');
  const keys = query ? [...new URLSearchParams(query).keys()].sort().join('&') : '';
  return keys ? `${p}?${keys}` : p;
}

export interface CrawlOptions {
  client: TestClient;
  parser: Page;
  seeds: string[];
  /** Which local paths belong to this visitor's crawl. */
  include: (path: string) => boolean;
  /** Pages of the same shape visited at most this often. */
  perShape?: number;
  maxPages?: number;
}

/** Breadth-first over same-origin links from the seeds; returns every distinct form shape and the pages seen. */
export async function crawlForms(opts: CrawlOptions): Promise<{ forms: FoundForm[]; pages: string[] }> {
  const perShape = opts.perShape ?? 2;
  const maxPages = opts.maxPages ?? 400;
  const queue = [...opts.seeds];
  const seen = new Set<string>();
  const shapes = new Map<string, number>();
  const forms = new Map<string, FoundForm>();
  const pages: string[] = [];
  while (queue.length && pages.length < maxPages) {
    const path = queue.shift()!;
    // The language switch shows the same forms again.
    if (/[?&]lang=/.test(path)) continue;
    if (seen.has(path) || !path.startsWith('/') || !opts.include(path)) continue;
    seen.add(path);
    const shape = shapeOf(path);
    if ((shapes.get(shape) ?? 0) >= perShape) continue;
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    const res = await opts.client.get(path);
    if (!(res.headers.get('content-type') ?? '').includes('text/html')) continue;
    pages.push(`${res.status} ${path}`);
    const parsed = await parsePage(opts.parser, res.text, opts.client.baseUrl + path);
    for (const f of parsed.forms) {
      const key = `${f.method} ${shapeOf(f.action)} ${f.fields.map((x) => x.name).sort().join(',')} ${f.submitters.map((x) => `${x.name}=${x.value}`).join(',')}`;
      if (!forms.has(key)) forms.set(key, { page: path, ...f });
    }
    queue.push(...parsed.links);
  }
  return { forms: [...forms.values()], pages };
}

/** The fields a card number goes into: everything a visitor or a tampered page can send as text. */
export function textFields(form: FoundForm): FormField[] {
  return form.fields.filter((f) => f.type !== 'file' && f.type !== 'checkbox' && f.type !== 'radio');
}

/** The request the browser would send, with `override` replacing field values (and a file's name, for multipart). */
export async function submitForm(client: TestClient, form: FoundForm, override: Record<string, string>, submitter?: FormField, fileName = 'photo.png'): Promise<TestResponse> {
  const entries: Array<[string, string]> = [];
  const radios = new Set<string>();
  for (const f of form.fields) {
    if (f.type === 'file') continue;
    if (f.type === 'radio') {
      if (radios.has(f.name)) continue;
      const chosen = form.fields.find((x) => x.type === 'radio' && x.name === f.name && x.checked) ?? f;
      radios.add(f.name);
      entries.push([f.name, override[f.name] ?? chosen.value]);
      continue;
    }
    if (f.type === 'checkbox' && !f.checked && !(f.name in override)) continue;
    entries.push([f.name, override[f.name] ?? f.value]);
  }
  for (const [name, value] of Object.entries(override)) if (!form.fields.some((f) => f.name === name)) entries.push([name, value]);
  if (submitter) entries.push([submitter.name, override[submitter.name] ?? submitter.value]);
  if (form.method === 'get') {
    const [path, query] = form.action.split('?');
    const params = new URLSearchParams(query);
    for (const [k, v] of entries) params.set(k, v);
    return client.get(`${path}?${params}`);
  }
  if (form.multipart) {
    const body = new FormData();
    for (const [k, v] of entries) body.append(k, v);
    // A 1×1 PNG: the file part is real, so the route reads every part.
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1d5e80000000049454e44ae426082', 'hex');
    for (const f of form.fields.filter((x) => x.type === 'file')) body.append(f.name, new Blob([png], { type: 'image/png' }), fileName);
    return client.request('POST', form.action, { body });
  }
  const body = new URLSearchParams();
  for (const [k, v] of entries) body.append(k, v);
  return client.request('POST', form.action, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}
