import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { defineMessages } from '../i18n/index.ts';
import { AppError } from './errors.ts';

/**
 * Strange bytes are refused before any handler runs (issue 10): a NUL byte, another control character
 * or invalid UTF-8 (raw or percent-encoded: `%C3%28`, overlong forms, encoded surrogates, `%00`) in the
 * path, the query, a form or JSON body (keys included), a multipart field, or a header or cookie the
 * store reads answers 400 (the request line, headers, cookies) or 422 (a field) with a localized message,
 * instead of reaching the database (PostgreSQL refuses NUL in text: an HTTP 500 and a stack trace).
 * Text fields may hold tab, line feed and carriage return (a textarea); nothing else below U+0020,
 * DEL or the C1 controls (U+0080-U+009F).
 */

const messages = defineMessages({
  ja: {
    request: 'リクエストに処理できない文字(制御文字または不正な UTF-8)が含まれています。',
    field: '使用できない文字(制御文字または不正な文字コード)が含まれています。',
  },
  en: {
    request: 'The request contains characters that cannot be processed (control characters or invalid UTF-8).',
    field: 'This contains characters that cannot be used (control characters or an invalid encoding).',
  },
});

/** Controls in a text field: everything but tab, LF and CR. */
const textControls = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Controls in a path, a header or a cookie: all of them (tab allowed in a header value, as HTTP does). */
const lineControls = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a decoded string can be stored and shown: no control characters, no lone surrogates. */
export function isCleanText(s: string, kind: 'text' | 'line' = 'text'): boolean {
  return !(kind === 'text' ? textControls : lineControls).test(s) && !loneSurrogate.test(s);
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/** The bytes of a request-target part, `%XX` decoded (a `%` without two hex digits stays as it is). */
function percentBytes(raw: string, plusIsSpace: boolean): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      out.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b && plusIsSpace) out.push(0x20);
    else if (c < 0x100) out.push(c); // Node gives the request target's bytes as latin1
    else out.push(...Buffer.from(raw[i]!, 'utf8'));
  }
  return Uint8Array.from(out);
}

/** Decodes strictly: null for invalid UTF-8 (overlong forms and encoded surrogates included). */
function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return fatal.decode(bytes);
  } catch {
    return null;
  }
}

/** 400: the request line, a header or a cookie held strange bytes. */
export function strangeBytesError(req: FastifyRequest): AppError {
  return new AppError('bad_request', { message: messages(req.locale, 'request') });
}

function refuseRequest(req: FastifyRequest): never {
  throw strangeBytesError(req);
}

function refuseField(req: FastifyRequest, name: string): never {
  const message = messages(req.locale, 'field');
  throw new AppError('validation', { message, fields: { [printableName(name)]: message } });
}

/** A field name fit to echo back (it may itself be the strange part). */
function printableName(name: string): string {
  return isCleanText(name, 'line') ? name.slice(0, 100) : '_';
}

/** The request headers the store reads as identifiers (sessions, carts, the API token, idempotency, CSRF): valid UTF-8, no controls. */
const tokenHeaders = ['cookie', 'authorization', 'x-cart-token', 'idempotency-key', 'origin', 'content-type', 'sec-fetch-site', 'stripe-signature'];
/**
 * Headers it reads as text (stored with a session, shown, negotiated): no control characters. HTTP leaves other
 * octets opaque (RFC 9110 obs-text), and an old client's Latin-1 User-Agent must not lock it out of the shop.
 */
const textHeaders = ['user-agent', 'accept-language', 'accept', 'referer', 'x-forwarded-for'];
const c0 = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/** Text-like bodies whose raw bytes must be valid UTF-8 (multipart carries binary files: its fields are checked as read). */
const textBody = /^(application\/(json|x-www-form-urlencoded|csp-report|reports\+json|[\w.+-]+\+json)|text\/)/i;

/** Walks a parsed body, query or params: every string and every key. */
function walk(req: FastifyRequest, value: unknown, name: string, depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    if (!isCleanText(value)) refuseField(req, name);
  } else if (Array.isArray(value)) {
    for (const v of value) walk(req, v, name, depth + 1);
  } else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!isCleanText(k, 'line')) refuseField(req, k);
      walk(req, v, k, depth + 1);
    }
  }
}

/** A multipart field value or file name as a route reads it (multipart bodies are parsed by the route). */
export function checkMultipartText(req: FastifyRequest, name: string, value: unknown): void {
  if (!isCleanText(name, 'line')) refuseField(req, name);
  if (typeof value === 'string' && !isCleanText(value)) refuseField(req, name);
}

export function registerRequestBytes(app: FastifyInstance): void {
  // The request line, the headers and cookies: before routing decisions reach a handler.
  app.addHook('onRequest', async (req) => {
    const raw = req.raw.url ?? '/';
    const q = raw.indexOf('?');
    const path = strictUtf8(percentBytes(q < 0 ? raw : raw.slice(0, q), false));
    if (path === null || !isCleanText(path, 'line')) refuseRequest(req);
    if (q >= 0) {
      const query = strictUtf8(percentBytes(raw.slice(q + 1), true));
      if (query === null || !isCleanText(query)) refuseRequest(req);
    }
    for (const h of [...tokenHeaders, ...textHeaders]) {
      const v = req.headers[h];
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) {
        const text = strictUtf8(Buffer.from(one, 'latin1'));
        if (text !== null ? !isCleanText(text.replace(/\t/g, ' '), 'line') : tokenHeaders.includes(h) || c0.test(one)) refuseRequest(req);
      }
    }
    for (const v of Object.values(req.cookies ?? {})) if (typeof v === 'string' && !isCleanText(v, 'line')) refuseRequest(req);
  });

  // Raw body bytes: invalid UTF-8 would otherwise be replaced by U+FFFD without a word.
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (!textBody.test(req.headers['content-type'] ?? '')) return payload;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    // A form body is percent-encoded: its decoded bytes must be UTF-8 too (`%C3%28` in a field).
    const form = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const raw: Buffer[] = [];
    const checked = new Transform({
      transform(chunk: Buffer, _enc, done) {
        try {
          decoder.decode(chunk, { stream: true });
          if (form) raw.push(chunk);
          done(null, chunk);
        } catch {
          done(strangeBytesError(req));
        }
      },
      flush(done) {
        try {
          decoder.decode();
          if (form && strictUtf8(percentBytes(Buffer.concat(raw).toString('latin1'), true)) === null) throw new Error('invalid');
          done();
        } catch {
          done(strangeBytesError(req));
        }
      },
    });
    return payload.pipe(checked);
  });

  // Parsed values: control characters and lone surrogates (a JSON `"\u0000"` or `"\ud800"` escape is valid UTF-8).
  app.addHook('preValidation', async (req) => {
    walk(req, req.params, 'params');
    walk(req, req.query, 'query');
    walk(req, req.body, '_body');
  });
}
