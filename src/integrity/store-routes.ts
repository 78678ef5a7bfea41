import type { FastifyReply, FastifyRequest } from 'fastify';
import { cspReportPath } from '../platform/http/security-headers.ts';
import type { RouteModule } from '../services.ts';
import { isUnexpectedOnPaymentPage, parseCspReports, recordCspViolations, TokenBuckets, type CspViolation } from './csp-reports/csp-reports.ts';

export const cspReportBodyLimit = 16 * 1024;

/**
 * `POST /csp-reports`: CSP violation reports from browsers (T6), in the legacy `application/csp-report`
 * format and the Reporting API's `application/reports+json`. Anyone can post here, so: the body is
 * capped, each client address is rate-limited, the answer is always an empty 204 (nothing reflected),
 * and only normalized paths and origins are stored. (The file-integrity schedule and the payment-page watcher are
 * started by boot, src/app/boot.ts.)
 */
export const integrityStoreRoutes: RouteModule = (app, s) => {
  const integrity = s.integrity;
  const buckets = new TokenBuckets(30, 1);

  app.register(async (reports) => {
    // These parsers exist only in this sub-context.
    // The body is reduced to normalized violations while it is parsed, before any hook sees it: a blocked
    // exfiltration URL may carry a card number in its query (T2), which must neither be kept nor make the
    // card-number guard refuse the very report that shows a skimmer at work.
    reports.removeAllContentTypeParsers();
    reports.addContentTypeParser(['application/csp-report', 'application/reports+json', 'application/json'], { parseAs: 'string', bodyLimit: cspReportBodyLimit }, (req, body, done) => {
      try {
        const own = new Set([new URL(s.ctx.config.publicUrl).origin, `${req.protocol}://${req.host}`]);
        done(null, { violations: parseCspReports(JSON.parse(body as string), own) });
      } catch {
        done(Object.assign(new Error('bad report'), { statusCode: 400 }), undefined);
      }
    });
    const empty = (reply: FastifyReply, status: number) => reply.code(status).header('cache-control', 'no-store').send();
    reports.post(
      cspReportPath,
      {
        bodyLimit: cspReportBodyLimit,
        // Parser errors (too large, not JSON, other media types) answer with a bare status, no page, no echo.
        errorHandler: (err: { statusCode?: number }, _req: FastifyRequest, reply: FastifyReply) => {
          const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
          return empty(reply, status);
        },
      },
      async (req, reply) => {
        if (!buckets.take(req.ip)) return empty(reply, 429);
        const violations = (req.body as { violations?: CspViolation[] } | undefined)?.violations ?? [];
        if (violations.length) {
          await recordCspViolations(s.ctx.db, violations);
          // T1/T6: a skimmer blocked on a payment page triggers the page watcher at once; reports of it from
          // several client networks stop card checkout by themselves until an owner has looked.
          for (const v of violations.filter(isUnexpectedOnPaymentPage)) await integrity.cspReported(v, req.ip);
        }
        return empty(reply, 204);
      },
    );
  });
};
