import { createHash } from 'node:crypto';

/**
 * What `orders.idempotency_key` holds: a SHA-256 of the client's key, never the key. The key is only compared for
 * equality, and a client's random key can look like a card number (a random UUID can hold a Luhn-valid run of
 * 13-16 digits across its hyphens). T2/T5: nothing a client sends in this header is stored as sent.
 */
export function storedIdempotencyKey(key: string): string {
  return `h:${createHash('sha256').update(key, 'utf8').digest('base64url')}`;
}
