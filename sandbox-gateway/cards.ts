import { luhn } from '../src/platform/card-numbers/card-numbers.ts';
/**
 * Test card numbers and what the sandbox does with them. These are the public test numbers from
 * Stripe's testing page (https://docs.stripe.com/testing, transcribed in /work/shared/corpora/test-cards.json);
 * they never work in live mode. Any other Luhn-valid number is declined, as Stripe's test mode does
 * with real cards. The sandbox never stores a number: it looks the outcome up and forgets the digits.
 */

export type Decline = 'fraudulent' | 'generic_decline' | 'insufficient_funds' | 'lost_card' | 'stolen_card' | 'expired_card' | 'incorrect_cvc' | 'processing_error' | 'live_card_in_test_mode';

export interface CardBehaviour {
  /** 3-D Secure: frictionless (issuer approves without the shopper) or a challenge page. */
  threeDs: 'frictionless' | 'challenge';
  /** What happens once authentication has passed. */
  result: { ok: true } | { ok: false; decline: Decline };
}

const ok = { ok: true } as const;
const no = (decline: Decline) => ({ ok: false, decline }) as const;

/** https://docs.stripe.com/testing (cards by brand, declines, 3-D Secure authentication). */
export const testCards: Record<string, CardBehaviour> = {
  '4242424242424242': { threeDs: 'frictionless', result: ok }, // Visa
  '4000056655665556': { threeDs: 'frictionless', result: ok }, // Visa (debit)
  '5555555555554444': { threeDs: 'frictionless', result: ok }, // Mastercard
  '2223003122003222': { threeDs: 'frictionless', result: ok }, // Mastercard (2-series)
  '378282246310005': { threeDs: 'frictionless', result: ok }, // American Express
  '3566002020360505': { threeDs: 'frictionless', result: ok }, // JCB
  '4000000000000002': { threeDs: 'frictionless', result: no('generic_decline') },
  '4000000000009995': { threeDs: 'frictionless', result: no('insufficient_funds') },
  '4000000000009987': { threeDs: 'frictionless', result: no('lost_card') },
  '4000000000009979': { threeDs: 'frictionless', result: no('stolen_card') },
  '4000000000000069': { threeDs: 'frictionless', result: no('expired_card') },
  '4000000000000127': { threeDs: 'frictionless', result: no('incorrect_cvc') },
  '4000000000000119': { threeDs: 'frictionless', result: no('processing_error') },
  '4000000000003220': { threeDs: 'challenge', result: ok }, // 3DS2: authentication required, then succeeds
  '4000002760003184': { threeDs: 'challenge', result: ok }, // authentication required on every payment
  '4000002500003155': { threeDs: 'challenge', result: ok }, // authentication required (off-session setup), then succeeds
  '4000008260003178': { threeDs: 'challenge', result: no('insufficient_funds') }, // authentication required, then insufficient funds
  '4000000000003063': { threeDs: 'challenge', result: ok }, // 3DS required
};

export function luhnValid(digits: string): boolean {
  return /^\d{12,19}$/.test(digits) && luhn(digits);
}

export function brandOf(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^35/.test(digits)) return 'jcb';
  if (/^3(0|6|8)/.test(digits)) return 'diners';
  if (/^6/.test(digits)) return 'discover';
  return 'unknown';
}

export function behaviourOf(digits: string): CardBehaviour {
  return testCards[digits] ?? { threeDs: 'frictionless', result: no('live_card_in_test_mode') };
}
