import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type Logger } from 'pino';
import { negotiateLocale, type Locale } from '../i18n/index.ts';
import { registerCardGuard, type CardGuardDeps } from '../card-numbers/card-guard.ts';
import { overloadKind } from '../db/overload.ts';
import { AppError } from './errors.ts';
import { fieldErrors } from './forms.ts';
import { isCrossSiteWrite } from './origin-check.ts';
import { registerRequestBytes, strangeBytesError } from './request-bytes.ts';
import { applySecurityHeaders, newNonce } from './security-headers.ts';
import './request.ts';

export interface HttpOptions {
  logger: Logger;
  publicUrl: string;
  /** Further origins that may post forms here (the admin console's own host name, when it has one). */
  extraOrigins?: string[];
  trustProxy: boolean;
  bodyLimit?: number;
  /** Renders an error page in the visitor's language; JSON is used for /api. */
  renderErrorPage: (req: FastifyRequest, status: number, message: string) => string;
  /** T2: where refused card numbers are recorded (guard_event) and DATA_DIR for the HMAC key. */
  cardGuard?: CardGuardDeps;
  /** Issue 18: Retry-After (s) on 503 busy/unavailable answers. */
  retryAfterSeconds?: number;
  /** Issue 18: HTTP server timeouts (ms; README "Timeouts and overload"). */
  timeouts?: { requestMs: number; headersMs: number; keepAliveMs: number };
  /** T6: third-party script origins the approved script inventory allows on this page (none on payment pages). */
  scriptOrigins?: (req: FastifyRequest) => readonly string[];
}

export const localeCookie = 'lang';

/** The Fastify root with what every context shares: body parsing, locale, headers, CSRF check, errors. */
export function createHttpServer(opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // T4, issue 12: trust one hop only, the address our proxy appended. The leftmost X-Forwarded-For entry is whatever
    // the client wrote: trusting it let anyone frame another address for a ban or dodge every per-address limit.
    trustProxy: opts.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    // Access logs come from the reverse proxy; per-request log lines would only cost throughput.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Issue 18: a slow or stuck client cannot hold a socket for ever (headers must be in before the request timeout).
    ...(opts.timeouts
      ? { requestTimeout: opts.timeouts.requestMs, keepAliveTimeout: opts.timeouts.keepAliveMs, http: { headersTimeout: Math.min(opts.timeouts.headersMs, opts.timeouts.requestMs || Infinity) } }
      : {}),
    routerOptions: { maxParamLength: 200 },
    // A path the router cannot decode (invalid UTF-8, e.g. `/p/%C3%28`) is answered like any strange bytes (issue 10).
    frameworkErrors: (_err, req, reply) => {
      prepare(req, reply);
      return sendError(req, reply, strangeBytesError(req), opts);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.register(cookie);
  app.register(formbody, { bodyLimit: 64 * 1024 });

  const publicOrigin = new URL(opts.publicUrl).origin;
  const allowedOrigins = new Set([publicOrigin, ...(opts.extraOrigins ?? [])]);
  const hsts = publicOrigin.startsWith('https:');

  app.decorateRequest('locale', 'ja' as Locale);
  app.decorateRequest('cspNonce', '');
  app.decorateRequest('customer', null);
  app.decorateRequest('sessionHash', null);
  app.decorateRequest('staff', null);
  function prepare(req: FastifyRequest, reply: FastifyReply) {
    const query = req.query as Record<string, unknown> | undefined;
    req.locale = negotiateLocale(query?.lang ?? req.cookies?.[localeCookie], req.headers['accept-language']);
    req.cspNonce = newNonce();
    // form-action origins come from the route's context (`allowFormActions`), so the policy is issued once.
    const formActionOrigins = (req.routeOptions?.config as { cspFormActionOrigins?: readonly string[] } | undefined)?.cspFormActionOrigins;
    applySecurityHeaders(req, reply, { hsts, formActionOrigins, scriptOrigins: opts.scriptOrigins?.(req) });
  }
  app.addHook('onRequest', async (req, reply) => {
    prepare(req, reply);
    if (!req.url.startsWith('/api/') && isCrossSiteWrite(req, allowedOrigins)) throw new AppError('bad_origin');
  });
  registerRequestBytes(app); // NUL, control characters and invalid UTF-8: 400/422 before any handler (issue 10)
  // T2: card numbers are refused in every body, query and path parameter before any handler runs.
  registerCardGuard(app, opts.logger, opts.cardGuard);

  app.setNotFoundHandler((req, reply) => sendError(req, reply, new AppError('not_found'), opts));
  app.setErrorHandler((err, req, reply) => {
    // T2: a form route shows its form again, the refused fields emptied, with the message next to each.
    const showForm = req.routeOptions?.config?.cardGuardForm;
    if (err instanceof AppError && err.detail.cardGuard && err.detail.fields && showForm && !wantsJson(req)) {
      reply.code(422);
      // The form cannot be shown (e.g. the cart is empty now): the site's refusal page, still 422.
      return Promise.resolve(showForm(req, reply, err.detail.fields)).then((shown) => (shown === false ? sendError(req, reply, err, opts) : shown));
    }
    if (err instanceof AppError) return sendError(req, reply, err, opts);
    if (hasZodFastifySchemaValidationErrors(err)) {
      // The type provider flattens each zod issue into { keyword: code, message, params: rest }.
      const issues = err.validation.map((v) => ({ ...(v.params as object), code: v.keyword, message: v.message, path: pathOf(v.instancePath) }));
      const fields = fieldErrors(issues as never, req.locale);
      return sendError(req, reply, new AppError('validation', { fields }), opts);
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) return sendError(req, reply, new AppError('payload_too_large'), opts);
    if (status === 415) return sendError(req, reply, new AppError('unsupported_media'), opts);
    if (status >= 400 && status < 500) return sendError(req, reply, new AppError('validation'), opts);
    // Issue 18: a pool, lock or statement timeout, or the database away, is an overload answer, not an outage or a 500.
    const overload = overloadKind(err);
    if (overload) {
      req.log.warn({ err }, overload === 'busy' ? 'database busy' : 'database unavailable');
      return sendError(req, reply, new AppError(overload, { headers: { 'retry-after': String(opts.retryAfterSeconds ?? 2) } }), opts);
    }
    // Never leak an unexpected error's message to the client.
    req.log.error({ err }, 'unhandled error');
    return sendError(req, reply, new AppError('internal'), opts);
  });
  return app;
}

function pathOf(instancePath: string): string[] {
  return instancePath.split('/').filter(Boolean);
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: AppError, opts: HttpOptions) {
  const message = err.localized(req.locale);
  for (const [k, v] of Object.entries(err.detail.headers ?? {})) reply.header(k, v);
  reply.code(err.status);
  if (wantsJson(req)) return reply.send({ error: { code: err.code, message, ...(err.detail.fields ? { fields: err.detail.fields } : {}) } });
  return reply.type('text/html; charset=utf-8').send(opts.renderErrorPage(req, err.status, message));
}

export function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url === '/healthz' || req.url === '/readyz' || (req.headers.accept ?? '').startsWith('application/json');
}
