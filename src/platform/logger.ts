import pino, { type DestinationStream, type Logger } from 'pino';
import { findCardNumbers } from './card-numbers/card-numbers.ts';

/** Keys whose values never reach a log, at any of the first three levels of a logged object. */
const sensitiveKeys = [
  'password',
  'passwd',
  'current_password',
  'new_password',
  'password_confirmation',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'secret',
  'totp_secret',
  'authorization',
  'cookie',
  '"set-cookie"',
  'x-cart-token',
  'card',
  'card_number',
  'cardNumber',
  'pan',
  'cvv',
  'cvc',
  'cvv2',
  'security_code',
  'securityCode',
  'expiry',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const raw of sensitiveKeys) {
    const key = raw.startsWith('"') ? `[${raw}]` : raw;
    const under = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
    paths.push(key, under('*'), under('*.*'));
  }
  return paths;
}

/** The text that replaces a card number in a log line. */
export const logCardMask = '[card number removed]';

/**
 * T2: the last line of defence. Whatever logged it (an error message quoting user input, a library, a
 * query parameter in a URL), a card number never reaches the log: every Luhn-valid, card-shaped run in a
 * line is replaced entirely. Not first 6 / last 4: PCI DSS would allow that on a display, but a log is
 * copied, shipped and kept for years, six known digits plus four plus the Luhn digit leave only ~10^5
 * candidates, and principle 1 of the threat model is "no PAN in any log". The marker keeps it visible
 * that something was removed. A number that was a bare JSON number becomes a string, so the line stays JSON.
 */
export function maskCardNumbersInLine(line: string): string {
  const matches = findCardNumbers(line);
  if (!matches.length) return line;
  const inString = stringPositions(line);
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += line.slice(at, m.start) + (inString === null || inString(m.start) ? logCardMask : JSON.stringify(logCardMask));
    at = m.end;
  }
  return out + line.slice(at);
}

/** For a JSON line: a function telling whether an offset is inside a string literal; null when not JSON-like. */
function stringPositions(line: string): ((offset: number) => boolean) | null {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  const starts: number[] = [];
  const ends: number[] = [];
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inStr) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) {
        inStr = false;
        ends.push(i);
      }
    } else if (c === 34) {
      inStr = true;
      starts.push(i);
    }
  }
  if (inStr) ends.push(line.length);
  return (offset) => {
    for (let k = 0; k < starts.length; k++) if (offset > starts[k]! && offset < ends[k]!) return true;
    return false;
  };
}

/** The store's logger. Secrets are redacted by key; card numbers are removed from every line written. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'headers.cookie', 'headers.authorization', 'res.headers["set-cookie"]', ...redactPaths()],
      censor: '[redacted]',
    },
    hooks: { streamWrite: maskCardNumbersInLine },
  };
  return destination ? pino(options, destination) : pino(options);
}
