/**
 * A grade of the security headers a browser receives, on the scoring of the MDN HTTP Observatory (its published
 * scoring table: every site starts at 100 and each test adds its modifier; bonuses count only when the score
 * without them is at least 90; the grade follows the score). This is a local re-implementation of the table for
 * the store's own pages, not a call to Mozilla's service (no request leaves the host).
 */
export interface PageResponse {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Where a plain-HTTP request to the same host was redirected (undefined: not tried or the site is HTTP only). */
  httpRedirect?: { location: string | null; status: number } | null;
}

export interface ObservatoryTest {
  id: string;
  result: string;
  modifier: number;
  pass: boolean;
}

const header = (r: PageResponse, name: string): string | undefined => {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
};
const cookies = (r: PageResponse): string[] => {
  const v = r.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

function parseCsp(value: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of value.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), sources.map((s) => s.toLowerCase()));
  }
  return out;
}

function cspTest(r: PageResponse): ObservatoryTest {
  const v = header(r, 'content-security-policy');
  if (!v) return { id: 'content-security-policy', result: 'csp-not-implemented', modifier: -25, pass: false };
  const csp = parseCsp(v);
  const script = csp.get('script-src') ?? csp.get('default-src');
  if (!script) return { id: 'content-security-policy', result: 'csp-implemented-with-unsafe-inline', modifier: -20, pass: false };
  const strict = script.includes("'strict-dynamic'") || script.some((s) => s.startsWith("'nonce-") || s.startsWith("'sha"));
  if (script.includes("'unsafe-inline'") && !strict) return { id: 'content-security-policy', result: 'csp-implemented-with-unsafe-inline', modifier: -20, pass: false };
  if (script.some((s) => s === 'http:' || s === 'https:' || s === '*' || s === 'data:')) return { id: 'content-security-policy', result: 'csp-implemented-with-insecure-scheme', modifier: -20, pass: false };
  if (script.includes("'unsafe-eval'")) return { id: 'content-security-policy', result: 'csp-implemented-with-unsafe-eval', modifier: -10, pass: false };
  const def = csp.get('default-src');
  if (def && def.length === 1 && def[0] === "'none'") return { id: 'content-security-policy', result: 'csp-implemented-with-no-unsafe-default-src-none', modifier: 10, pass: true };
  return { id: 'content-security-policy', result: 'csp-implemented-with-no-unsafe', modifier: 0, pass: true };
}

function cookieTest(r: PageResponse, hsts: boolean): ObservatoryTest {
  const all = cookies(r);
  if (!all.length) return { id: 'cookies', result: 'cookies-not-found', modifier: 0, pass: true };
  let worst: ObservatoryTest = { id: 'cookies', result: 'cookies-secure-with-httponly-sessions-and-samesite', modifier: 5, pass: true };
  const worse = (t: ObservatoryTest) => (t.modifier < worst.modifier ? (worst = t) : worst);
  for (const c of all) {
    const attrs = c.split(';').slice(1).map((a) => a.trim().toLowerCase());
    const secure = attrs.includes('secure');
    const httpOnly = attrs.includes('httponly');
    const sameSite = attrs.find((a) => a.startsWith('samesite='));
    const session = /sess|sid|token|auth/i.test(c.split('=')[0] ?? '');
    if (sameSite && !['samesite=strict', 'samesite=lax', 'samesite=none'].includes(sameSite)) worse({ id: 'cookies', result: 'cookies-samesite-flag-invalid', modifier: -20, pass: false });
    if (!secure && session) worse({ id: 'cookies', result: 'cookies-session-without-secure-flag', modifier: -40, pass: false });
    else if (!secure) worse(hsts ? { id: 'cookies', result: 'cookies-without-secure-flag-but-protected-by-hsts', modifier: -5, pass: false } : { id: 'cookies', result: 'cookies-without-secure-flag', modifier: -20, pass: false });
    if (session && !httpOnly) worse({ id: 'cookies', result: 'cookies-session-without-httponly-flag', modifier: -10, pass: false });
    if (!sameSite && worst.modifier === 5) worst = { id: 'cookies', result: 'cookies-secure-with-httponly-sessions', modifier: 0, pass: true };
  }
  return worst;
}

function hstsTest(r: PageResponse): ObservatoryTest {
  if (!r.url.startsWith('https:')) return { id: 'strict-transport-security', result: 'hsts-not-implemented-no-https', modifier: -20, pass: false };
  const v = header(r, 'strict-transport-security');
  if (!v) return { id: 'strict-transport-security', result: 'hsts-not-implemented', modifier: -20, pass: false };
  const m = /max-age\s*=\s*"?(\d+)/i.exec(v);
  if (!m) return { id: 'strict-transport-security', result: 'hsts-header-invalid', modifier: -20, pass: false };
  if (Number(m[1]) < 15_768_000) return { id: 'strict-transport-security', result: 'hsts-implemented-max-age-less-than-six-months', modifier: -10, pass: false };
  return { id: 'strict-transport-security', result: 'hsts-implemented-max-age-at-least-six-months', modifier: 0, pass: true };
}

function redirectTest(r: PageResponse): ObservatoryTest {
  if (r.httpRedirect === undefined || r.httpRedirect === null) return { id: 'redirection', result: r.url.startsWith('https:') ? 'redirection-not-needed-no-http' : 'redirection-missing', modifier: r.url.startsWith('https:') ? 0 : -20, pass: r.url.startsWith('https:') };
  const loc = r.httpRedirect.location;
  if (!loc || r.httpRedirect.status < 300 || r.httpRedirect.status > 399) return { id: 'redirection', result: 'redirection-missing', modifier: -20, pass: false };
  if (!loc.startsWith('https:')) return { id: 'redirection', result: 'redirection-not-to-https', modifier: -20, pass: false };
  if (new URL(loc).hostname !== new URL(r.url).hostname) return { id: 'redirection', result: 'redirection-off-host-from-http', modifier: -5, pass: false };
  return { id: 'redirection', result: 'redirection-to-https', modifier: 0, pass: true };
}

function referrerTest(r: PageResponse): ObservatoryTest {
  const v = header(r, 'referrer-policy');
  if (!v) return { id: 'referrer-policy', result: 'referrer-policy-not-implemented', modifier: 0, pass: true };
  const last = v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).pop() ?? '';
  if (['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'].includes(last)) return { id: 'referrer-policy', result: 'referrer-policy-private', modifier: 5, pass: true };
  if (['origin', 'origin-when-cross-origin', 'no-referrer-when-downgrade', 'unsafe-url'].includes(last)) return { id: 'referrer-policy', result: 'referrer-policy-unsafe', modifier: -5, pass: false };
  return { id: 'referrer-policy', result: 'referrer-policy-header-invalid', modifier: -5, pass: false };
}

function sriTest(r: PageResponse): ObservatoryTest {
  const ctype = header(r, 'content-type') ?? '';
  if (!ctype.includes('html')) return { id: 'subresource-integrity', result: 'sri-not-implemented-response-not-html', modifier: 0, pass: true };
  const origin = new URL(r.url).origin;
  const scripts = [...r.body.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1] ?? '');
  const external = scripts
    .map((attrs) => ({ src: /\bsrc\s*=\s*["']?([^"'\s>]+)/i.exec(attrs)?.[1], integrity: /\bintegrity\s*=/i.test(attrs) }))
    .filter((s): s is { src: string; integrity: boolean } => !!s.src)
    .map((s) => ({ ...s, url: new URL(s.src, r.url) }))
    .filter((s) => s.url.origin !== origin);
  if (!external.length) return { id: 'subresource-integrity', result: 'sri-not-implemented-but-all-scripts-loaded-from-secure-origin', modifier: 0, pass: true };
  const insecure = external.some((s) => s.url.protocol !== 'https:');
  const all = external.every((s) => s.integrity);
  if (all && !insecure) return { id: 'subresource-integrity', result: 'sri-implemented-and-external-scripts-loaded-securely', modifier: 5, pass: true };
  if (all) return { id: 'subresource-integrity', result: 'sri-implemented-but-external-scripts-not-loaded-securely', modifier: -20, pass: false };
  if (insecure) return { id: 'subresource-integrity', result: 'sri-not-implemented-and-external-scripts-not-loaded-securely', modifier: -50, pass: false };
  return { id: 'subresource-integrity', result: 'sri-not-implemented-but-external-scripts-loaded-securely', modifier: -5, pass: false };
}

function nosniffTest(r: PageResponse): ObservatoryTest {
  const v = header(r, 'x-content-type-options');
  if (!v) return { id: 'x-content-type-options', result: 'x-content-type-options-not-implemented', modifier: -5, pass: false };
  return v.trim().toLowerCase() === 'nosniff' ? { id: 'x-content-type-options', result: 'x-content-type-options-nosniff', modifier: 0, pass: true } : { id: 'x-content-type-options', result: 'x-content-type-options-header-invalid', modifier: -5, pass: false };
}

function framingTest(r: PageResponse): ObservatoryTest {
  const csp = header(r, 'content-security-policy');
  const fa = csp ? parseCsp(csp).get('frame-ancestors') : undefined;
  if (fa && !fa.includes('*') && !fa.includes('https:') && !fa.includes('http:')) return { id: 'x-frame-options', result: 'x-frame-options-implemented-via-csp', modifier: 5, pass: true };
  const v = header(r, 'x-frame-options')?.trim().toLowerCase();
  if (!v) return { id: 'x-frame-options', result: 'x-frame-options-not-implemented', modifier: -20, pass: false };
  if (v === 'deny' || v === 'sameorigin') return { id: 'x-frame-options', result: 'x-frame-options-sameorigin-or-deny', modifier: 0, pass: true };
  return { id: 'x-frame-options', result: 'x-frame-options-header-invalid', modifier: -20, pass: false };
}

function corsTest(r: PageResponse): ObservatoryTest {
  return header(r, 'access-control-allow-origin')?.trim() === '*'
    ? { id: 'cross-origin-resource-sharing', result: 'cross-origin-resource-sharing-implemented-with-universal-access', modifier: -50, pass: false }
    : { id: 'cross-origin-resource-sharing', result: 'cross-origin-resource-sharing-not-implemented', modifier: 0, pass: true };
}

function corpTest(r: PageResponse): ObservatoryTest {
  const v = header(r, 'cross-origin-resource-policy')?.trim().toLowerCase();
  if (!v) return { id: 'cross-origin-resource-policy', result: 'corp-not-implemented', modifier: 0, pass: true };
  if (v === 'same-origin' || v === 'same-site') return { id: 'cross-origin-resource-policy', result: `corp-implemented-with-${v}`, modifier: 0, pass: true };
  if (v === 'cross-origin') return { id: 'cross-origin-resource-policy', result: 'corp-implemented-with-cross-origin', modifier: 0, pass: true };
  return { id: 'cross-origin-resource-policy', result: 'corp-header-invalid', modifier: -5, pass: false };
}

const grades: Array<[number, string]> = [[100, 'A+'], [90, 'A'], [85, 'A-'], [80, 'B+'], [70, 'B'], [65, 'B-'], [60, 'C+'], [50, 'C'], [45, 'C-'], [40, 'D+'], [30, 'D'], [25, 'D-'], [0, 'F']];

export function gradeOf(score: number): string {
  return grades.find(([min]) => score >= min)![1];
}

export function observatoryGrade(r: PageResponse): { score: number; grade: string; tests: ObservatoryTest[] } {
  const hsts = hstsTest(r);
  const tests = [cspTest(r), cookieTest(r, hsts.pass), corsTest(r), redirectTest(r), referrerTest(r), hsts, sriTest(r), nosniffTest(r), framingTest(r), corpTest(r)];
  const penalties = tests.filter((t) => t.modifier < 0).reduce((n, t) => n + t.modifier, 0);
  const bonuses = tests.filter((t) => t.modifier > 0).reduce((n, t) => n + t.modifier, 0);
  const base = 100 + penalties;
  const score = Math.max(0, base >= 90 ? base + bonuses : base);
  return { score, grade: gradeOf(score), tests };
}
