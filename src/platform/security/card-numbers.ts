/**
 * T2: shoppers and staff sometimes type a card number into a free-text field ("please charge my
 * card 4111 …"). A card number must never be stored, so text fields are checked for digit runs
 * of card length (13–19, spaces or hyphens allowed, full-width too) that pass the Luhn check.
 */
const digitRun = /[0-9０-９](?:[ \-‐－−　]?[0-9０-９]){12,18}/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function digitsOf(run: string): string {
  return run.normalize('NFKC').replace(/\D/g, '');
}

export function containsCardNumber(text: string): boolean {
  return [...text.matchAll(digitRun)].some((m) => luhn(digitsOf(m[0])));
}

/** Masks every card-like number except its last four digits, keeping the rest of the text. */
export function maskCardNumbers(text: string): string {
  return text.replace(digitRun, (run) => {
    if (!luhn(digitsOf(run))) return run;
    let keep = 4;
    return [...run]
      .reverse()
      .map((c) => (/[0-9０-９]/.test(c) ? (keep-- > 0 ? c : '*') : c))
      .reverse()
      .join('');
  });
}
