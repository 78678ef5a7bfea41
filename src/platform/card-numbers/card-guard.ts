import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import { defineMessages, type Locale } from '../i18n/index.ts';
import { findCardNumbers, replaceCardNumbers } from './card-numbers.ts';
import { exemptFormats, type CardGuardConfig } from './guard-config.ts';
import { joinedFieldGroups, joinedFieldNames, joinFields } from './joined-fields.ts';
import { cardDigest, ipDigest, loadGuardKey } from './guard-key.ts';
import { AppError } from '../http/errors.ts';
import { recordRequestEvent } from '../security/event-stream.ts';

/**
 * T2: every inbound request is screened for card numbers before any handler runs. Customers have typed
 * card numbers into name, phone and note fields of shops whose systems were "not holding card data"
 * (GMO Pepabo 2018). A hit is refused with 422 and a message on the field; the request never reaches a
 * handler, so nothing is stored, and the number is never logged. A `guard_event` row records route
 * pattern, field and a keyed HMAC of the digits, so an operator can see it happened (and how often the
 * same number was tried) without the number ever existing anywhere.
 *
 * Screened: form and JSON bodies (every string or integer at any depth, and every object key), text bodies,
 * the query string and path parameters; multipart field values and file names through
 * `multipartCardScreen(req)`, which a route that reads multipart parts must call. Fields that the store
 * writes next to each other (address lines and the name, see security/joined-fields.ts) are screened
 * joined as the store joins them too: a number split over them is refused on each of its fields. Headers
 * the store keeps (`storedHeaders`) are scrubbed or refused.
 */

export const cardGuardMessages = defineMessages({
  ja: { refused: 'カード番号のような数字は入力できません。カード情報はこの欄に入力しないでください。' },
  en: { refused: 'Card numbers cannot be entered here. Please do not type card details into this field.' },
});

export type GuardSource = 'body' | 'query' | 'params' | 'multipart' | 'header';

/**
 * T2: request headers the store keeps. 'scrub': a card number is cut out before any hook or handler reads
 * the header, and the request goes on (the User-Agent is stored with sessions and written into sign-in
 * notices; the Referer becomes a redirect); 'refuse': refused like a field (an Idempotency-Key is stored
 * with the order).
 */
export const storedHeaders: Readonly<Record<string, 'scrub' | 'refuse'>> = { 'user-agent': 'scrub', referer: 'scrub', 'idempotency-key': 'refuse' };

const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CardGuardDeps {
  db: Db;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}

interface Hit {
  source: GuardSource;
  /** The field path as reported (card numbers inside a key are replaced). */
  field: string;
  digits: string;
}

/** At most this many events are written for one request (a request can carry many fields). */
const maxEventsPerRequest = 10;
const keyMask = '[card-number]';

declare module 'fastify' {
  interface FastifyInstance {
    cardGuard: CardGuard;
  }
}

export class CardGuard {
  private deps: CardGuardDeps | null = null;
  private key: Buffer | null = null;

  constructor(private readonly log: Logger) {}

  /** Where events are recorded. Until bound, hits are still refused but only logged (without the number). */
  bind(deps: CardGuardDeps) {
    this.deps = deps;
    this.key = null;
  }

  get bound(): boolean {
    return this.deps !== null;
  }

  /** Every card number in the request's body, query and path parameters, honouring the route's exemptions. */
  screenRequest(req: FastifyRequest): Hit[] {
    const exempt = req.routeOptions?.config?.cardGuard;
    const hits: Hit[] = [];
    walk(req.body, [], 'body', exempt, hits);
    walk(req.query, ['query'], 'query', exempt, hits);
    walk(req.params, ['params'], 'params', exempt, hits);
    for (const [name, how] of Object.entries(storedHeaders)) {
      const v = req.headers[name];
      // A canonical UUID is a generated key, not typed card data (a random one can hold a Luhn-valid run across its
      // hyphens: a flash-sale test's buyer was refused); the order keeps only its hash (src/orders/idempotency-key.ts).
      if (how === 'refuse' && typeof v === 'string' && !canonicalUuid.test(v)) for (const m of findCardNumbers(v)) hits.push({ source: 'header', field: `headers.${name}`, digits: m.digits });
    }
    return hits;
  }

  /** Records the hits and throws the 422 that the root error handler renders as a page or JSON. */
  async refuse(req: FastifyRequest, hits: Hit[]): Promise<never> {
    const route = req.routeOptions?.url ?? '(no route)';
    // The number is never logged: only where it was.
    req.log.warn({ route, method: req.method, fields: hits.map((h) => h.field) }, 'T2: card number refused');
    recordRequestEvent(req, { kind: 'card_guard.refused', outcome: 'refused', detail: { route, method: req.method, fields: hits.slice(0, 10).map((h) => h.field.slice(0, 60)) } });
    try {
      await this.record(req, route, hits);
    } catch (err) {
      req.log.error({ err: { message: safeMessage(err) }, route }, 'T2: card guard event not recorded');
    }
    clearRefusedFields(req, hits);
    const message = cardGuardMessages(req.locale as Locale, 'refused');
    const fields: Record<string, string> = {};
    for (const h of hits.slice(0, maxEventsPerRequest)) fields[h.field.length > 200 ? `${h.field.slice(0, 200)}…` : h.field] = message;
    throw new AppError('validation', { message, fields, cardGuard: true });
  }

  private async record(req: FastifyRequest, route: string, hits: Hit[]) {
    if (!this.deps) return;
    this.key ??= loadGuardKey(this.deps.dataDir, this.deps.env);
    const key = this.key;
    const ipHmac = ipDigest(key, req.ip ?? '');
    // Header hits are logged only: guard_event's source column lists body, query, params and multipart.
    const rows = hits.slice(0, maxEventsPerRequest).flatMap((h) => (h.source === 'header' ? [] : [{
      method: req.method,
      route,
      source: h.source,
      field: h.field.slice(0, 200),
      card_hmac: cardDigest(key, h.digits),
      ip_hmac: ipHmac,
    }]));
    if (rows.length) await this.deps.db.insertInto('guard_event').values(rows).execute();
  }
}

/**
 * T2: a form shown again after a refusal must not echo the number back: each top-level body field that
 * held one is emptied (the shopper types it again without the number).
 */
function clearRefusedFields(req: FastifyRequest, hits: Hit[]) {
  const body = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  for (const h of hits) {
    if (h.source !== 'body') continue;
    const top = h.field.split('.')[0]!;
    if (Object.hasOwn(body, top)) (body as Record<string, unknown>)[top] = '';
  }
}

/** Adds the guard to the root instance: a preValidation hook, which runs after body parsing and before any handler. */
export function registerCardGuard(app: FastifyInstance, log: Logger, deps?: CardGuardDeps): CardGuard {
  const guard = new CardGuard(log);
  if (deps) guard.bind(deps);
  app.decorate('cardGuard', guard);
  app.addHook('onRequest', async (req) => scrubStoredHeaders(req));
  app.addHook('preValidation', async (req) => {
    const hits = guard.screenRequest(req);
    if (hits.length) await guard.refuse(req, hits);
  });
  return guard;
}

/** T2: cuts card numbers out of the headers the store keeps ('scrub' in `storedHeaders`) before anything reads them. */
export function scrubStoredHeaders(req: FastifyRequest) {
  for (const [name, how] of Object.entries(storedHeaders)) {
    const v = req.headers[name];
    if (how !== 'scrub' || typeof v !== 'string' || !findCardNumbers(v).length) continue;
    req.headers[name] = replaceCardNumbers(v, () => keyMask);
    // The number is never logged: only which header held one.
    req.log.warn({ header: name, route: req.routeOptions?.url ?? '(no route)' }, 'T2: card number removed from a request header');
  }
}

/**
 * For routes that read multipart parts themselves (their bodies are not parsed before the handler):
 * pass each field value and file name, then `await check()` once all parts are read; it throws the same
 * 422 as the hook when anything held a card number.
 */
export function multipartCardScreen(req: FastifyRequest) {
  const exempt = req.routeOptions?.config?.cardGuard;
  const hits: Hit[] = [];
  return {
    field(name: string, value: unknown) {
      screenKey(name, null, 'multipart', hits);
      walk(value, [safeSegment(name)], 'multipart', exempt, hits);
    },
    file(fieldName: string, fileName: string | undefined) {
      screenKey(fieldName, null, 'multipart', hits);
      if (fileName) screenString(fileName, { seg: 'filename', parent: { seg: safeSegment(fieldName), parent: null } }, 'multipart', exempt, hits);
    },
    async check() {
      if (hits.length) await req.server.cardGuard.refuse(req, hits);
    },
  };
}

/** A field path as a linked list, so that walking a deeply nested body costs linear time. */
type PathNode = { seg: string; parent: PathNode | null } | null;

function pathOf(node: PathNode): string[] {
  const out: string[] = [];
  for (let n = node; n; n = n.parent) out.push(n.seg);
  return out.reverse();
}

function walk(value: unknown, path: string[], source: GuardSource, exempt: CardGuardConfig | undefined, hits: Hit[]) {
  let root: PathNode = null;
  for (const seg of path) root = { seg, parent: root };
  // Iterative: a deeply nested JSON body can neither overflow the stack nor cost quadratic time.
  const stack: Array<[unknown, PathNode]> = [[value, root]];
  // Once enough is found the request is refused anyway: stop screening (a body of 10,000 numbers costs no more).
  while (stack.length && hits.length < maxEventsPerRequest) {
    const [v, node] = stack.pop()!;
    if (typeof v === 'string') screenString(v, node, source, exempt, hits);
    else if (typeof v === 'number' || typeof v === 'bigint') {
      if (typeof v === 'bigint' || Number.isInteger(v)) screenString(BigInt(v).toString(), node, source, exempt, hits);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { seg: String(i), parent: node }]);
    } else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [k, child] of Object.entries(v)) {
        screenKey(k, node, source, hits);
        stack.push([child, { seg: safeSegment(k), parent: node }]);
      }
      screenJoined(v as Record<string, unknown>, node, source, exempt, hits);
    }
  }
}

/** T2: the fields of one object that the store writes next to each other, joined as it joins them. */
function screenJoined(obj: Record<string, unknown>, node: PathNode, source: GuardSource, exempt: CardGuardConfig | undefined, hits: Hit[]) {
  let present = 0;
  for (const k of Object.keys(obj)) if (joinedFieldNames.has(k) && (typeof obj[k] === 'string' || typeof obj[k] === 'number')) present++;
  if (present < 2) return;
  const values: Record<string, string> = {};
  for (const k of joinedFieldNames) if (typeof obj[k] === 'string' || typeof obj[k] === 'number') values[k] = String(obj[k]);
  const reported = new Set<string>();
  for (const group of joinedFieldGroups) {
    const joined = joinFields(group, values);
    if (!joined) continue;
    for (const m of findCardNumbers(joined.text)) {
      const spanned = [...joined.at].filter(([, [a, b]]) => a < m.end && b > m.start).map(([field]) => field);
      // A number inside one field is that field's own hit (screened on its own).
      if (spanned.length < 2) continue;
      for (const f of spanned) {
        const field = fieldName([...pathOf(node), safeSegment(f)], source);
        if (reported.has(`${field} ${m.digits}`) || (exempt && isExempt(exempt, field, values[f]!))) continue;
        reported.add(`${field} ${m.digits}`);
        hits.push({ source, field, digits: m.digits });
      }
    }
  }
}

function screenKey(key: string, parent: PathNode, source: GuardSource, hits: Hit[]) {
  const found = findCardNumbers(key);
  for (const m of found) hits.push({ source, field: fieldName([...pathOf(parent), safeSegment(key)], source), digits: m.digits });
}

function screenString(value: string, node: PathNode, source: GuardSource, exempt: CardGuardConfig | undefined, hits: Hit[]) {
  const found = findCardNumbers(value);
  if (!found.length) return;
  const field = fieldName(pathOf(node), source);
  if (exempt && isExempt(exempt, field, value)) return;
  for (const m of found) hits.push({ source, field, digits: m.digits });
}

function fieldName(path: string[], source: GuardSource): string {
  const name = path.join('.');
  if (source === 'multipart') return name || '_';
  return name || (source === 'body' ? '_body' : source);
}

/** A key that itself holds a card number is reported (and recorded) as a placeholder. */
function safeSegment(key: string): string {
  return replaceCardNumbers(key, () => keyMask);
}

function isExempt(exempt: CardGuardConfig, field: string, value: string): boolean {
  const segments = field.split('.');
  for (const [pattern, format] of Object.entries(exempt)) {
    const ps = pattern.split('.');
    if (ps.length !== segments.length || !ps.every((p, i) => p === '*' || p === segments[i])) continue;
    const check = exemptFormats[format];
    if (check && check(value)) return true;
  }
  return false;
}

function safeMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return replaceCardNumbers(message, () => keyMask);
}
