/** A ban as the domains that enforce it see it: the reference a refused client can quote, and its end. */
export interface BanHit {
  ref: string;
  until: Date;
}

/**
 * What the bans (an operations domain, above identity and payments) answer to the places that enforce
 * bans beyond the network: sign-in (account), payment start (card, shopper session). Answers come from
 * an in-memory copy: asking costs no I/O.
 */
export interface BanGate {
  /** A sign-in name as typed (hashed to the blind index inside; never kept in clear). */
  account(name: string): BanHit | null;
  /** The payment provider's card fingerprint. */
  card(fingerprint: string): BanHit | null;
  /** A shopper's cart owner key (`c:<customer id>` or `g:<cart token hash>`). */
  session(key: string): BanHit | null;
  /** The provider fingerprints banned now (pushed to the provider's block list). */
  cards(): string[];
}

let current: BanGate | null = null;

/** The bans of the running store (one per process in production; the latest started in tests). */
export function attachBanGate(gate: BanGate): void {
  current = gate;
}

export function detachBanGate(gate: BanGate): void {
  if (current === gate) current = null;
}

export function banGate(): BanGate | null {
  return current;
}
