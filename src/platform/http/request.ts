import type { Locale } from '../i18n/index.ts';
import type { StaffRole } from '../permissions.ts';
import type { Permission } from '../permissions.ts';

export interface SignedInCustomer {
  id: number;
  name: string;
  email: string;
}

export interface SignedInStaff {
  id: number;
  name: string;
  email: string;
  role: StaffRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    /** Fresh per response; the only way an inline script may run (CSP). */
    cspNonce: string;
    /** Storefront: the signed-in customer, if any (set by the identity domain's session hook). */
    customer: SignedInCustomer | null;
    /** Storefront: SHA-256 of the session cookie, when a session exists. */
    sessionHash: string | null;
    /** Admin: the signed-in staff member (set by the admin context's hook). */
    staff: SignedInStaff | null;
  }
  interface FastifyContextConfig {
    /** Admin and staff API routes: the permission the route needs. Routes without one refuse to start. */
    permission?: Permission;
    /** Admin routes reachable without a staff session (sign-in, first-owner setup). */
    public?: boolean;
  }
}

export {};
