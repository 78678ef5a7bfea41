const base = 'http://omamori.invalid';

/**
 * The `next` destination after sign-in, if it is a same-site relative path; otherwise the
 * fallback. Refuses `//evil.example`, `/\evil.example`, absolute URLs and control characters
 * (open redirect, used in phishing to borrow the shop's good name).
 */
export function safeNextPath(next: unknown, fallback: string, requiredPrefix = '/'): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 1000) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  const path = url.pathname + url.search + url.hash;
  // Dot segments are resolved by URL parsing: `/.//evil.example` becomes `//evil.example`.
  if (path.startsWith('//') || path.startsWith('/\\')) return fallback;
  if (path !== requiredPrefix && !path.startsWith(requiredPrefix.endsWith('/') ? requiredPrefix : `${requiredPrefix}/`) && !path.startsWith(`${requiredPrefix}?`)) return fallback;
  return path;
}
