// Pure helpers of deploy/scan/run.ts (tested in deploy/scan/parse.test.ts without the scanners installed).

/** Every canary path starts with this (./canary-store.ts); findings are required there and refused anywhere else. */
export const canaryPrefix = '/scan-canary/';

export interface FormTarget { method: 'GET' | 'POST'; action: string; fields: string[] }

const attr = (tag: string, name: string) => new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag)?.[1];
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The forms of one page: method, same-origin action path and the names of their text-like fields. */
export function extractForms(html: string, page: string): FormTarget[] {
  const out: FormTarget[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const action = unescape(attr(m[1]!, 'action') ?? page);
    if (!action.startsWith('/') || action.startsWith('//')) continue; // never another host
    const method = (attr(m[1]!, 'method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
    const fields = new Set<string>();
    for (const input of m[2]!.matchAll(/<(input|textarea|select)\b([^>]*)>/gi)) {
      const name = attr(input[2]!, 'name');
      const type = (attr(input[2]!, 'type') ?? 'text').toLowerCase();
      if (name && !['submit', 'button', 'file', 'image', 'reset'].includes(type)) fields.add(unescape(name));
    }
    if (fields.size) out.push({ method, action: action.split('#')[0]!, fields: [...fields].sort() });
  }
  return out;
}

/** The parameters sqlmap reported as injectable in its console output ("Parameter: id (GET)"). */
export function sqlmapInjectable(output: string): string[] {
  const at = output.indexOf('identified the following injection point');
  if (at < 0) return [];
  const block = output.slice(at).split(/\n---\s*\n/)[1] ?? output.slice(at);
  return [...new Set([...block.matchAll(/^Parameter: (.+)$/gm)].map((m) => m[1]!.trim()))];
}

export interface WapitiReport {
  vulnerabilities?: Record<string, Array<{ path: string; parameter?: string }>>;
  anomalies?: Record<string, Array<{ path: string; parameter?: string }>>;
}
interface Finding { category: string; path: string; parameter?: string }

/**
 * Splits wapiti's JSON report into canary findings (required), findings elsewhere (holes), HTTP 500s (failures too)
 * and other anomalies (slow responses: reported, not holes).
 */
export function findingsOutsideCanary(r: WapitiReport): { canary: Finding[]; vulnerabilities: Finding[]; errors: Finding[]; anomalies: Finding[] } {
  const canary: Finding[] = [];
  const vulnerabilities: Finding[] = [];
  const errors: Finding[] = [];
  const anomalies: Finding[] = [];
  const isCanary = (path: string) => new URL(path, 'http://x').pathname.startsWith(canaryPrefix);
  for (const [category, list] of Object.entries(r.vulnerabilities ?? {})) {
    for (const v of list) (isCanary(v.path) ? canary : vulnerabilities).push({ category, path: v.path, parameter: v.parameter });
  }
  for (const [category, list] of Object.entries(r.anomalies ?? {})) {
    for (const v of list) if (!isCanary(v.path)) (/internal server error/i.test(category) ? errors : anomalies).push({ category, path: v.path, parameter: v.parameter });
  }
  return { canary, vulnerabilities, errors, anomalies };
}

/** Open TCP ports from nmap's grepable output (`-oG -`). */
export function openPorts(grepable: string): number[] {
  const ports = new Set<number>();
  for (const m of grepable.matchAll(/(\d+)\/open\/tcp\//g)) ports.add(Number(m[1]));
  return [...ports].sort((a, b) => a - b);
}
