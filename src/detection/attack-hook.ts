import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordRequestEvent } from '../platform/security/event-stream.ts';
import { classifyBody, classifyHead, type AttackClass } from './attack-classifier.ts';

const headClasses = Symbol('attackClasses');
type Marked = FastifyRequest & { [headClasses]?: Set<AttackClass> };

function record(req: FastifyRequest, classes: Set<AttackClass>, part: 'head' | 'body') {
  const path = req.url.split('?')[0]!.slice(0, 160);
  recordRequestEvent(req, { kind: 'request.attack', severity: classes.has('backdoor') ? 'high' : classes.size === 1 && classes.has('protocol') ? 'low' : 'medium', outcome: 'detected', detail: { classes: [...classes].sort(), part, method: req.method.slice(0, 16), path } });
}

/**
 * Issue 12: every request is classified against the CRS attack families, in process, before its
 * route runs: request line and headers in onRequest, the parsed body in preValidation. A match is a
 * `request.attack` security event (detectors may ban on it); it never blocks by itself.
 */
export function registerAttackClassifier(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const found = classifyHead({ method: req.method, url: req.url, headers: req.headers });
    if (found.size) {
      (req as Marked)[headClasses] = found;
      record(req, found, 'head');
    }
  });
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined || req.body === null) return;
    const found = classifyBody(req.body);
    const seen = (req as Marked)[headClasses];
    if (seen) for (const c of seen) found.delete(c);
    if (found.size) record(req, found, 'body');
  });
}
