import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * Cookie names and attributes. Over HTTPS (and on localhost, which browsers treat as secure)
 * cookies are `__Host-` prefixed, Secure, HttpOnly and host-only, so no sibling subdomain or
 * plain-HTTP page can set or read them.
 */
export function cookiePolicy(publicUrl: string) {
  const url = new URL(publicUrl);
  const secure = url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  return {
    secure,
    name: (base: string) => (secure ? `__Host-${base}` : base),
    options: (sameSite: 'lax' | 'strict', maxAgeSeconds?: number): CookieSerializeOptions => ({
      path: '/',
      httpOnly: true,
      secure,
      sameSite,
      ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
    }),
  };
}
export type CookiePolicy = ReturnType<typeof cookiePolicy>;
