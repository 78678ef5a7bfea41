import type { FastifyInstance } from 'fastify';
import { defineMessages } from '../platform/i18n/index.ts';
import type { ResponseSwitches } from '../platform/switches.ts';
import { storeErrorPage } from './layout.ts';

const t = defineMessages({
  ja: { closed: 'ただいま安全確認のため、ストアを一時的に休止しています。ご迷惑をおかけして申し訳ありません。お知らせは /notice でご覧いただけます。' },
  en: { closed: 'The store is temporarily closed for a security check. We apologise for the inconvenience. Notices are at /notice.' },
});

/** Kept open while the store is closed: the public notice, payment-provider webhooks (nothing accepted is lost), CSP reports. */
const stillOpen = /^\/(notice(\/|$|\?)|webhooks\/|csp-reports|static\/|healthz|readyz)/;

/**
 * Issue 13: "close the store" from the incident console. Shoppers get a maintenance page (503) on every instance;
 * the console (/admin, its own plugin) keeps working.
 */
export function registerStoreClosedHook(app: FastifyInstance, switches: Pick<ResponseSwitches, 'engaged'>, surface: 'html' | 'api'): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!switches.engaged('store_closed') || stillOpen.test(req.url) || req.url === '/api/openapi.json') return;
    reply.header('retry-after', '600').header('cache-control', 'no-store');
    if (surface === 'api') return reply.code(503).send({ error: 'store_closed', message: t(req.locale, 'closed') });
    return reply.code(503).type('text/html; charset=utf-8').send(storeErrorPage(req, 503, t(req.locale, 'closed')));
  });
}
