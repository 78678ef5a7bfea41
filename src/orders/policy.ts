import { timingSafeEqual } from 'node:crypto';

/** Who placed an order: a signed-in customer, or the browser (or API client) holding the guest cart token. */
export interface OrderOwnership {
  customerId: number | null;
  accessTokenHash: string | null;
}

/** Who asks: the signed-in customer (if any) and the hash of the guest cart token they present (if any). */
export interface OrderClaimant {
  customerId: number | null;
  tokenHash: string | null;
}

/**
 * The one ownership rule for orders (issue 11; used by the checkout's repeated submit, the order command's
 * idempotent replay and every order page and API read). T4: order numbers are sequential and guessable, so
 * knowing one proves nothing.
 * - An order placed by a signed-in customer belongs to that customer only: no guest token ever opens it.
 * - A guest order belongs to whoever holds its cart token (compared in constant time; signed in or not, it is
 *   the same browser).
 */
export function ownsOrder(order: OrderOwnership, who: OrderClaimant): boolean {
  if (order.customerId !== null) return who.customerId === order.customerId;
  return order.accessTokenHash !== null && who.tokenHash !== null && sameHash(order.accessTokenHash, who.tokenHash);
}

/** T4: constant-time, on equal-length buffers (a length difference says nothing about a fixed-length hash). */
function sameHash(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
