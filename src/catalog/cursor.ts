import { AppError } from '../platform/http/errors.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';

/** A place in the catalog order (position, id): the page after it, or the page before it. */
export interface Cursor {
  dir: 'after' | 'before';
  position: number;
  id: number;
}

/** Opaque to shoppers (base64url), but only ever a direction and two integers. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.dir === 'after' ? 'a' : 'b'}.${c.position}.${c.id}`).toString('base64url');
}

export function decodeCursor(raw: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(raw)) return null;
  const m = /^([ab])\.(-?\d{1,10})\.(\d{1,10})$/.exec(Buffer.from(raw, 'base64url').toString('latin1'));
  if (!m) return null;
  const position = Number(m[2]);
  const id = Number(m[3]);
  if (Math.abs(position) > 2 ** 31 - 1 || id > 2 ** 31 - 1) return null;
  return { dir: m[1] === 'a' ? 'after' : 'before', position, id };
}

/** The cursor a request carries, or a clear 422 ("this page link is not valid") instead of a server error. */
export function cursorParam(raw: unknown, locale: Locale): Cursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  const c = typeof raw === 'string' ? decodeCursor(raw) : null;
  if (!c) throw new AppError('validation', { message: t(locale, 'badCursor'), fields: { cursor: t(locale, 'badCursor') } });
  return c;
}
