/**
 * Errors that mean "the database is busy or away right now", not "this request is wrong": the HTTP layer answers
 * them with 503 and Retry-After instead of 500, and nothing was changed (the transaction rolled back).
 */

/** No pool connection could be had within DB_ACQUIRE_TIMEOUT_MS (PGlite's queue; pg-pool throws its own Error). */
export class PoolAcquireTimeout extends Error {
  readonly code = 'POOL_ACQUIRE_TIMEOUT';
  constructor(ms: number) {
    super(`no database connection within ${ms} ms (the pool is busy; is a query using \`db\` inside a transaction instead of \`trx\`?)`);
  }
}

// PostgreSQL SQLSTATEs: 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout),
// 25P03 idle_in_transaction_session_timeout, 40001/40P01 serialization failure / deadlock (retry is safe).
const busyStates = new Set(['55P03', '57014', '25P03', '40001', '40P01']);
// 57P01-57P03 the server is shutting down / restarting, 08xxx connection exceptions, 53300 too many connections.
const awayStates = new Set(['57P01', '57P02', '57P03', '53300']);
const awayErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const poolMessages = [/^timeout exceeded when trying to connect/, /^Connection terminated/, /^Client has encountered a connection error/, /^Connection terminated unexpectedly/];

export type OverloadKind = 'busy' | 'unavailable';

/** `busy`: a timeout or lock wait ran out; `unavailable`: the database cannot be reached. null: any other error. */
export function overloadKind(err: unknown): OverloadKind | null {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof PoolAcquireTimeout) return 'busy';
    if (typeof code === 'string') {
      if (busyStates.has(code)) return 'busy';
      if (awayStates.has(code) || code.startsWith('08') || awayErrnos.has(code)) return 'unavailable';
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && poolMessages.some((re) => re.test(message))) return message.startsWith('timeout') ? 'busy' : 'unavailable';
  }
  return null;
}
